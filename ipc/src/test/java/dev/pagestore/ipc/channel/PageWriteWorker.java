package dev.pagestore.ipc.channel;

import dev.pagestore.ipc.ring.CompletionDescriptor;
import dev.pagestore.ipc.ring.RequestDescriptor;
import dev.pagestore.ipc.ring.RingConsumer;
import dev.pagestore.ipc.ring.RingProducer;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;

/**
 * Child JVM for {@link CrossProcessChannelTest}: the worker side of the zero-copy write path. For write 0..{@code
 * args[1]}-1 it fills the page buffer of slot {@code i % slotCount} with a pattern, publishes a WRITE request carrying
 * the buffer's CRC-32C, and keeps at most {@code slotCount} writes outstanding: a slot is reused only after its
 * completion arrived (the ownership rule of {@link Channel}). Exits 0 when every completion is OK for its request,
 * 1 otherwise; prints {@code written N}.
 */
public final class PageWriteWorker {
    private PageWriteWorker() {
    }

    static void fill(MemorySegment page, int write) {
        for (long i = 0; i < page.byteSize(); i += 8) {
            page.set(java.lang.foreign.ValueLayout.JAVA_LONG, i, StreamEntries.mix(write * 1_000_003L + i));
        }
    }

    static int crc32c(MemorySegment page) {
        CRC32C crc = new CRC32C();
        crc.update(page.asByteBuffer());
        return (int) crc.getValue();
    }

    public static void main(String[] args) throws Exception {
        String name = args[0];
        int writes = Integer.parseInt(args[1]);
        long deadlineNanos = TimeUnit.SECONDS.toNanos(20);
        try (Channel channel = Channel.attach(name)) {
            System.out.println("attached");
            int slots = channel.parameters().slotCount();
            RingProducer requests = channel.requestProducer();
            RingConsumer completions = channel.completionConsumer();
            int submitted = 0;
            int completed = 0;
            while (completed < writes) {
                if (submitted < writes && submitted - completed < slots) {
                    int slot = submitted % slots;
                    MemorySegment page = channel.buffer(slot);
                    fill(page, submitted);
                    if (requests.claim(1, System.nanoTime() + deadlineNanos) != 1) {
                        fail("request ring full at write " + submitted);
                    }
                    RequestDescriptor.write(requests.segment(), requests.entryOffset(0),
                            RequestDescriptor.OPCODE_WRITE, RequestDescriptor.FLAG_CHECKSUM, submitted,
                            submitted, 1, slot, 0, 0, crc32c(page));
                    requests.publish(1);
                    submitted++;
                    continue;
                }
                if (completions.awaitAvailable(slots, System.nanoTime() + deadlineNanos) == 0) {
                    fail("no completion for write " + completed);
                }
                int ready = completions.taken();
                for (int i = 0; i < ready; i++) {
                    long offset = completions.entryOffset(i);
                    long id = CompletionDescriptor.requestId(completions.segment(), offset);
                    int status = CompletionDescriptor.status(completions.segment(), offset);
                    if (id != completed || status != CompletionDescriptor.STATUS_OK
                            || !CompletionDescriptor.isWellFormed(completions.segment(), offset, slots)) {
                        fail("completion " + completed + ": request " + id + " status " + status);
                    }
                    completed++;
                }
                completions.release(ready);
            }
            System.out.println("written " + completed);
        }
    }

    private static void fail(String message) {
        System.err.println(message);
        System.exit(1);
    }
}

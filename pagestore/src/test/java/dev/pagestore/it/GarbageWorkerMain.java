package dev.pagestore.it;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.pagestore.ipc.channel.Channel;
import dev.pagestore.ipc.channel.ChannelParameters;
import dev.pagestore.ipc.control.AttachRequest;
import dev.pagestore.ipc.control.ControlClient;
import dev.pagestore.ipc.linux.LibcFiles;
import dev.pagestore.ipc.ring.CompletionDescriptor;
import dev.pagestore.ipc.ring.RequestDescriptor;
import dev.pagestore.ipc.ring.RingConsumer;
import dev.pagestore.ipc.ring.RingProducer;
import dev.pagestore.protocol.PageStoreProtocol;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;

/**
 * A hostile worker: {@code DIR COUNT SEED WRITE_FIRST_PAGE CAPACITY PAGE_SIZE}. Attaches with the raw control and
 * channel API and writes COUNT random request descriptors straight into its request ring: half fully random bytes,
 * half plausible (every opcode, flags, reserved words, page counts, page numbers and slots in and out of range,
 * reused ids, past deadlines, broken batches). Writes that happen to be valid only ever name pages at or above
 * WRITE_FIRST_PAGE (the fuzzer's own range) or beyond the store. It ends with a FLUSH (which closes any open batch)
 * and waits until every request has its final completion, then prints
 * {@code DONE sent=N finals=F invalid=I ok=O}; anything unexpected prints {@code FAIL ...} and exits 1. With a
 * seventh argument {@code linger} it stays attached after DONE until a line arrives on standard input.
 */
public final class GarbageWorkerMain {
    public static void main(String[] args) throws Exception {
        Path directory = Path.of(args[0]);
        long count = Long.parseLong(args[1]);
        SplittableRandom random = new SplittableRandom(Long.parseLong(args[2]));
        long writeFirst = Long.parseLong(args[3]);
        long capacity = Long.parseLong(args[4]);
        int pageSize = Integer.parseInt(args[5]);
        ControlClient control = ControlClient.attach(PageStoreProtocol.socketPath(directory),
                AttachRequest.fromCurrentProcess(pageSize, 64, "garbage"), event -> {
                    System.out.println("FAIL manager gone: " + event);
                    System.out.flush();
                    System.exit(1);
                }, Duration.ofSeconds(5));
        int cap = control.ringCapacity();
        LibcFiles.close(control.takeStatusDescriptor());
        try (Channel channel = Channel.attach(control.takeChannelDescriptor(), "garbage",
                new ChannelParameters(control.pageSizeBytes(), cap, cap, cap))) {
            System.out.println("READY");
            System.out.flush();
            RingProducer requests = channel.requestProducer();
            RingConsumer completions = channel.completionConsumer();
            long sent = 0;
            long finals = 0;
            long invalid = 0;
            long ok = 0;
            long nextId = 1_000_000;
            long deadlineAll = System.nanoTime() + 120_000_000_000L;
            boolean flushed = false;
            long lastProgressNanos = System.nanoTime();
            while (true) {
                if (!flushed && sent - finals >= cap - 2 && System.nanoTime() - lastProgressNanos > 20_000_000
                        && requests.tryClaim(1) == 1) {
                    // An open batch holds its members' answers until something closes it: a FLUSH does.
                    RequestDescriptor.write(requests.segment(), requests.entryOffset(0),
                            RequestDescriptor.OPCODE_FLUSH, (byte) 0, nextId++, 0, 0, 0, 0, 0, 0);
                    requests.publish(1);
                    sent++;
                    lastProgressNanos = System.nanoTime();
                }
                // Keep at most cap - 1 requests unanswered so the manager is never asked to owe more than it can post.
                long unanswered = sent - finals;
                if (!flushed && unanswered < cap - 2) {
                    int n = requests.tryClaim((int) Math.min(cap - 2 - unanswered, 16));
                    for (int i = 0; i < n; i++) {
                        long offset = requests.entryOffset(i);
                        if (sent + i == count) {
                            RequestDescriptor.write(requests.segment(), offset, RequestDescriptor.OPCODE_FLUSH,
                                    (byte) 0, nextId++, 0, 0, 0, 0, 0, 0);
                            n = i + 1;
                            flushed = true;
                            break;
                        }
                        if (random.nextBoolean()) {
                            randomBytes(requests.segment(), offset, random, writeFirst, capacity);
                        } else {
                            nextId = plausible(requests.segment(), offset, random, nextId, cap, writeFirst,
                                    capacity);
                        }
                    }
                    requests.publish(n);
                    sent += n;
                }
                int m = completions.available(64);
                for (int i = 0; i < m; i++) {
                    long offset = completions.entryOffset(i);
                    MemorySegment e = completions.segment();
                    if (!CompletionDescriptor.isWellFormed(e, offset, cap)) {
                        System.out.println("FAIL malformed completion status=" + CompletionDescriptor.status(e,
                                offset));
                        System.exit(1);
                    }
                    int status = CompletionDescriptor.status(e, offset);
                    long result = CompletionDescriptor.result(e, offset);
                    if (status == CompletionDescriptor.STATUS_TIMEOUT
                            && result == CompletionDescriptor.RESULT_SLOT_FENCED) {
                        continue;  // the final one follows
                    }
                    finals++;
                    if (status == CompletionDescriptor.STATUS_INVALID) {
                        invalid++;
                    } else if (status == CompletionDescriptor.STATUS_OK) {
                        ok++;
                    }
                }
                completions.release(m);
                if (m > 0) {
                    lastProgressNanos = System.nanoTime();
                }
                if (flushed && finals >= sent) {
                    break;
                }
                if (System.nanoTime() > deadlineAll) {
                    System.out.println("FAIL only " + finals + " of " + sent + " requests answered");
                    System.exit(1);
                }
                if (m == 0) {
                    Thread.onSpinWait();
                }
            }
            if (finals != sent) {
                System.out.println("FAIL " + finals + " final completions for " + sent + " requests");
                System.exit(1);
            }
            System.out.println("DONE sent=" + sent + " finals=" + finals + " invalid=" + invalid + " ok=" + ok);
            System.out.flush();
            if (args.length > 6 && args[6].equals("linger")) {
                new java.io.BufferedReader(new java.io.InputStreamReader(System.in)).readLine();
            }
        }
        control.close();
    }

    private static void randomBytes(MemorySegment s, long offset, SplittableRandom random, long writeFirst,
            long capacity) {
        for (int k = 0; k < RequestDescriptor.SIZE_BYTES; k += 8) {
            s.set(JAVA_LONG, offset + k, random.nextLong());
        }
        confineWrites(s, offset, writeFirst, capacity);
    }

    private static long plausible(MemorySegment s, long offset, SplittableRandom random, long nextId, int cap,
            long writeFirst, long capacity) {
        byte opcode = (byte) random.nextInt(0, 8);
        byte flags = (byte) (random.nextInt(10) == 0 ? random.nextInt(256) : random.nextInt(0, 8));
        long id = random.nextInt(4) == 0 ? random.nextLong(1, 8) : nextId++;  // small ids repeat: reused ids
        long page = switch (random.nextInt(4)) {
            case 0 -> random.nextLong(capacity);
            case 1 -> capacity + random.nextLong(0, 100);
            case 2 -> -random.nextLong(1, 100);
            default -> random.nextLong();
        };
        int pages = random.nextInt(3) == 0 ? random.nextInt() : random.nextInt(0, 4);
        int slot = random.nextInt(3) == 0 ? random.nextInt() : random.nextInt(-1, cap + 2);
        long deadline = switch (random.nextInt(4)) {
            case 0 -> 0;
            case 1 -> System.nanoTime() - 1_000_000;
            case 2 -> System.nanoTime() + 1_000_000_000L;
            default -> random.nextLong();
        };
        long batch = random.nextInt(3) == 0 ? 0 : random.nextLong(1, 4);
        RequestDescriptor.write(s, offset, opcode, flags, id, page, pages, slot, deadline, batch, 0);
        if (random.nextInt(8) == 0) {
            s.set(JAVA_INT, offset + RequestDescriptor.RESERVED_32_OFFSET, random.nextInt());
        }
        confineWrites(s, offset, writeFirst, capacity);
        return nextId;
    }

    /** A write that names a page below {@code writeFirst} is moved to the fuzzer's range (other workers' pages). */
    private static void confineWrites(MemorySegment s, long offset, long writeFirst, long capacity) {
        if (s.get(JAVA_BYTE, offset + RequestDescriptor.OPCODE_OFFSET) != RequestDescriptor.OPCODE_WRITE) {
            return;
        }
        long page = s.get(JAVA_LONG, offset + RequestDescriptor.PAGE_NUMBER_OFFSET);
        if (page >= 0 && page < writeFirst) {
            s.set(JAVA_LONG, offset + RequestDescriptor.PAGE_NUMBER_OFFSET, writeFirst + page % (capacity
                    - writeFirst));
        }
    }
}

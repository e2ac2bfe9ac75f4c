package dev.pagestore.it;

import dev.pagestore.ipc.channel.Channel;
import dev.pagestore.ipc.channel.ChannelDescriptor;
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
import java.util.HashMap;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * A worker that speaks the channel protocol by hand, for adversarial tests: it can post any descriptor (what the
 * public client never would) and reads completions itself. One thread only.
 */
final class RawWorker implements AutoCloseable {
    /** A completion as the manager posted it. */
    record Answer(int status, long result) {
    }

    final ControlClient control;
    final Channel channel;
    final RingProducer requests;
    final RingConsumer completions;
    final int capacity;
    final int pageSizeBytes;
    /** A copy of the channel's memfd, kept for attacks on the file itself (the mapping closes its own). */
    final int channelFd;
    private final Map<Long, Answer> answers = new HashMap<>();
    private long nextId = 1;

    private RawWorker(ControlClient control, Channel channel, int channelFd) {
        this.control = control;
        this.channel = channel;
        this.channelFd = channelFd;
        this.requests = channel.requestProducer();
        this.completions = channel.completionConsumer();
        this.capacity = channel.parameters().completionRingCapacity();
        this.pageSizeBytes = channel.parameters().pageSizeBytes();
    }

    static RawWorker attach(Path directory, String name) throws Exception {
        ControlClient control = ControlClient.attach(PageStoreProtocol.socketPath(directory),
                AttachRequest.fromCurrentProcess(0, 0, name), event -> { }, Duration.ofSeconds(30));
        LibcFiles.close(control.takeStatusDescriptor());
        int capacity = control.ringCapacity();
        int fd = control.takeChannelDescriptor();
        int copy = LibcFiles.fcntl(fd, LibcFiles.F_DUPFD_CLOEXEC, 0);
        Channel channel = Channel.attach(fd, name,
                new ChannelParameters(control.pageSizeBytes(), capacity, capacity, capacity));
        return new RawWorker(control, channel, copy);
    }

    long nextId() {
        return nextId++;
    }

    /** Posts one request as given (every field chosen by the caller); returns its id. */
    long post(byte opcode, byte flags, long pageNumber, int pageCount, int slot, long deadlineNanos, long batchId,
            int checksum) {
        long id = nextId++;
        if (requests.claim(1, System.nanoTime() + 10_000_000_000L) != 1) {
            throw new IllegalStateException("request ring full for 10 s");
        }
        RequestDescriptor.write(requests.segment(), requests.entryOffset(0), opcode, flags, id, pageNumber,
                pageCount, slot, deadlineNanos, batchId, checksum);
        requests.publish(1);
        return id;
    }

    /** Posts a one-page write of slot {@code slot} to {@code page}, with a correct CRC-32C when {@code checksum}. */
    long write(long page, int slot, boolean checksum, long deadlineNanos) {
        int crc = checksum ? crc32c(channel.buffer(slot)) : 0;
        return post(RequestDescriptor.OPCODE_WRITE, checksum ? RequestDescriptor.FLAG_CHECKSUM : 0, page, 1, slot,
                deadlineNanos, 0, crc);
    }

    long read(long page, int slot, long deadlineNanos) {
        return post(RequestDescriptor.OPCODE_READ, (byte) 0, page, 1, slot, deadlineNanos, 0, 0);
    }

    static int crc32c(MemorySegment data) {
        CRC32C crc = new CRC32C();
        crc.update(data.asByteBuffer());
        return (int) crc.getValue();
    }

    /** Waits for the answer to {@code id} (taking every completion that comes meanwhile); null at the timeout. */
    Answer await(long id, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!answers.containsKey(id)) {
            int n = completions.awaitAvailable(64, Math.min(deadline, System.nanoTime() + 10_000_000));
            for (int i = 0; i < n; i++) {
                long offset = completions.entryOffset(i);
                MemorySegment entries = completions.segment();
                long requestId = CompletionDescriptor.requestId(entries, offset);
                int status = CompletionDescriptor.status(entries, offset);
                long result = CompletionDescriptor.result(entries, offset);
                Answer previous = answers.get(requestId);
                // A fenced TIMEOUT is followed by the final one; keep the first status, as the client does.
                answers.put(requestId, previous != null ? previous : new Answer(status, result));
            }
            if (n > 0) {
                completions.release(n);
            }
            if (n == 0 && System.nanoTime() > deadline) {
                return null;
            }
        }
        return answers.remove(id);
    }

    /** The request ring's segment and the offset of the completion ring's consumer sequence, for scribbling. */
    MemorySegment whole() {
        return channel.segment();
    }

    long completionRingOffset() {
        return ChannelDescriptor.layoutOf(channel.parameters()).completionRingOffset();
    }

    long requestRingOffset() {
        return ChannelDescriptor.layoutOf(channel.parameters()).requestRingOffset();
    }

    static String statusName(Answer answer) {
        if (answer == null) {
            return "NONE";
        }
        return switch (answer.status()) {
            case CompletionDescriptor.STATUS_OK -> "OK";
            case CompletionDescriptor.STATUS_INVALID -> "INVALID";
            case CompletionDescriptor.STATUS_IO_ERROR -> "IO_ERROR";
            case CompletionDescriptor.STATUS_TIMEOUT -> "TIMEOUT";
            case CompletionDescriptor.STATUS_NO_SPACE -> "NO_SPACE";
            case CompletionDescriptor.STATUS_SHUTTING_DOWN -> "SHUTTING_DOWN";
            default -> "STATUS_" + answer.status();
        };
    }

    @Override
    public void close() throws Exception {
        LibcFiles.close(channelFd);
        channel.close();
        control.close();
    }
}

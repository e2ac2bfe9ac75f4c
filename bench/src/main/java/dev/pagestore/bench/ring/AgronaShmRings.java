package dev.pagestore.bench.ring;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * The Agrona peer: two {@link OneToOneRingBuffer}s (a request ring and a reply ring) in one mapped {@code /dev/shm}
 * file, the way Aeron's IPC does it. Bench-only: Agrona is not a dependency of the product.
 */
final class AgronaShmRings implements AutoCloseable {
    /** A 64-byte message, the size of one pagestore request descriptor. */
    static final int MESSAGE_BYTES = 64;
    static final int MESSAGE_TYPE = 1;
    static final int STOP_TYPE = 2;

    private final FileChannel channel;
    final OneToOneRingBuffer requests;
    final OneToOneRingBuffer replies;

    private AgronaShmRings(FileChannel channel, OneToOneRingBuffer requests, OneToOneRingBuffer replies) {
        this.channel = channel;
        this.requests = requests;
        this.replies = replies;
    }

    /** Maps {@code file} (created when missing) holding two rings of {@code ringBytes} data each. */
    static AgronaShmRings map(Path file, int ringBytes) throws IOException {
        int total = ringBytes + RingBufferDescriptor.TRAILER_LENGTH;
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        MappedByteBuffer map = channel.map(FileChannel.MapMode.READ_WRITE, 0, 2L * total);
        UnsafeBuffer requests = new UnsafeBuffer(map, 0, total);
        UnsafeBuffer replies = new UnsafeBuffer(map, total, total);
        return new AgronaShmRings(channel, new OneToOneRingBuffer(requests), new OneToOneRingBuffer(replies));
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}

package dev.pagestore.ipc.ring;

import dev.pagestore.ipc.wait.WaitStrategy;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** A formatted ring in native memory of this process, with both ends, for single-process tests. */
final class TestRings implements AutoCloseable {
    final Arena arena = Arena.ofShared();
    final MemorySegment segment;
    final RingProducer producer;
    final RingConsumer consumer;

    TestRings(int capacity, int entrySizeBytes, WaitStrategy waitStrategy) {
        segment = arena.allocate(RingDescriptor.requiredBytes(capacity, entrySizeBytes), 4096);
        RingDescriptor.format(segment, capacity, entrySizeBytes);
        producer = RingProducer.open(segment, "test ring", capacity, entrySizeBytes, waitStrategy);
        consumer = RingConsumer.open(segment, "test ring", capacity, entrySizeBytes, waitStrategy);
    }

    TestRings(int capacity) {
        this(capacity, RequestDescriptor.SIZE_BYTES, WaitStrategy.defaultStrategy());
    }

    @Override
    public void close() {
        arena.close();
    }
}

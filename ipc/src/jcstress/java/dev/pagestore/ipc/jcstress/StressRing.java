package dev.pagestore.ipc.jcstress;

import dev.pagestore.ipc.ring.RingConsumer;
import dev.pagestore.ipc.ring.RingDescriptor;
import dev.pagestore.ipc.ring.RingProducer;
import dev.pagestore.ipc.wait.WaitStrategy;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A small formatted ring in native memory with both ends, one per jcstress state. The memory-ordering code under test
 * is the same as across processes: only the mapping differs, and ordering is a property of the accesses.
 */
final class StressRing {
    final MemorySegment segment;
    final RingProducer producer;
    final RingConsumer consumer;

    StressRing(int capacity, int entrySizeBytes, WaitStrategy waitStrategy) {
        segment = Arena.ofAuto().allocate(RingDescriptor.requiredBytes(capacity, entrySizeBytes),
                RingDescriptor.SEPARATION_BYTES);
        RingDescriptor.format(segment, capacity, entrySizeBytes);
        producer = RingProducer.open(segment, "stress ring", capacity, entrySizeBytes, waitStrategy);
        consumer = RingConsumer.open(segment, "stress ring", capacity, entrySizeBytes, waitStrategy);
    }
}

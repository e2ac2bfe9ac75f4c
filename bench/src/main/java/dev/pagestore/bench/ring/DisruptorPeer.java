package dev.pagestore.bench.ring;

import com.lmax.disruptor.BatchEventProcessor;
import com.lmax.disruptor.BatchEventProcessorBuilder;
import com.lmax.disruptor.BusySpinWaitStrategy;
import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.Sequence;

/**
 * The LMAX Disruptor peer: one producer, one consumer thread, in one process (the in-process ceiling for a ring
 * hand-off). Events are 64-byte descriptors held as eight longs, preallocated by the ring.
 */
final class DisruptorPeer implements AutoCloseable {
    /** A 64-byte descriptor. */
    static final class Descriptor {
        long w0, w1, w2, w3, w4, w5, w6, w7;
    }

    final RingBuffer<Descriptor> ring;
    private final BatchEventProcessor<Descriptor> processor;
    private final Thread consumer;
    final Sequence consumed = new Sequence(-1);

    DisruptorPeer(int capacity) {
        ring = RingBuffer.createSingleProducer(Descriptor::new, capacity, new BusySpinWaitStrategy());
        EventHandler<Descriptor> handler = (event, sequence, endOfBatch) -> {
            if (endOfBatch) {
                consumed.set(sequence);
            }
        };
        processor = new BatchEventProcessorBuilder().build(ring, ring.newBarrier(), handler);
        ring.addGatingSequences(processor.getSequence());
        consumer = new Thread(processor, "disruptor-consumer");
        consumer.setDaemon(true);
        consumer.start();
    }

    /** Publishes {@code batch} descriptors with one claim and one publish. */
    void publish(int batch, long value) {
        long hi = ring.next(batch);
        long lo = hi - batch + 1;
        for (long s = lo; s <= hi; s++) {
            Descriptor d = ring.get(s);
            d.w0 = s;
            d.w1 = value;
        }
        ring.publish(lo, hi);
    }

    @Override
    public void close() throws InterruptedException {
        processor.halt();
        consumer.join(5000);
    }
}

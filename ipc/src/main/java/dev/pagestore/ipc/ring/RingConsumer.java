package dev.pagestore.ipc.ring;

import dev.pagestore.ipc.memory.OrderedAccess;
import dev.pagestore.ipc.wait.WaitOutcome;
import dev.pagestore.ipc.wait.WaitPoint;
import dev.pagestore.ipc.wait.WaitStrategy;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * The consuming end of a single-producer/single-consumer ring ({@link RingDescriptor}): takes up to N published
 * entries as a batch, lets the caller read them in place, and releases them to the producer with one release store.
 *
 * <h2>Design</h2>
 * The consumer keeps its own sequence ({@code consumed}) and a cached copy of the producer's sequence locally, and reads
 * the shared producer sequence (acquire) only when the cached copy has fewer entries than asked for. The value read is
 * checked before use: it may only move forward and never more than {@code capacity} ahead of what was consumed; anything
 * else is a {@link RingProtocolException}, never a loop. Releasing is one release store of the consumer sequence (the
 * entries' loads stay before it, so the producer cannot overwrite an entry still being read), then the wake-up check
 * of {@link WaitPoint#wakeIfWaiting(long)} for a producer that sleeps on a full ring.
 *
 * <h2>Use</h2>
 * <pre>{@code
 * int n = consumer.awaitAvailable(64, deadline);      // 0 when nothing arrived by the deadline
 * for (int i = 0; i < n; i++) {
 *     long offset = consumer.entryOffset(i);
 *     ... RequestDescriptor.requestId(consumer.segment(), offset) ...
 * }
 * consumer.release(n);
 * }</pre>
 *
 * <p>Thread safety: one thread only (checked under {@code -ea}). Allocation: none after construction.
 */
public final class RingConsumer {
    private final MemorySegment ring;
    private final String name;
    private final int capacity;
    private final int entrySizeBytes;
    private final WaitStrategy waitStrategy;
    /** Where this end sleeps when the ring is empty: the producer sequence, our consumer-waiting flag. */
    private final WaitPoint entriesWaitPoint;
    /** Where the producer sleeps when the ring is full: our sequence, its producer-waiting flag. */
    private final WaitPoint producerWaitPoint;
    private final OwnerThread owner;

    /** Entries released so far; the shared consumer sequence always equals this after a release. */
    private long consumed;
    /** The producer sequence as last read from shared memory; never ahead of the real one. */
    private long cachedProducer;
    /** Entries handed to the caller and not yet released, starting at {@code consumed}. */
    private int taken;

    private RingConsumer(MemorySegment ring, String name, int capacity, int entrySizeBytes, WaitStrategy waitStrategy) {
        this.ring = ring;
        this.name = name;
        this.capacity = capacity;
        this.entrySizeBytes = entrySizeBytes;
        this.waitStrategy = waitStrategy;
        this.entriesWaitPoint = new WaitPoint(ring, RingDescriptor.PRODUCER_SEQUENCE_OFFSET,
                RingDescriptor.CONSUMER_WAITING_OFFSET);
        this.producerWaitPoint = new WaitPoint(ring, RingDescriptor.CONSUMER_SEQUENCE_OFFSET,
                RingDescriptor.PRODUCER_WAITING_OFFSET);
        this.owner = new OwnerThread(name + " consumer");
        this.consumed = OrderedAccess.getLongAcquire(ring, RingDescriptor.CONSUMER_SEQUENCE_OFFSET);
        this.cachedProducer = OrderedAccess.getLongAcquire(ring, RingDescriptor.PRODUCER_SEQUENCE_OFFSET);
    }

    /**
     * Opens the consuming end of the formatted ring at the start of {@code ring}, after checking its header.
     *
     * @throws RingProtocolException when the header does not hold the expected capacity and entry size
     */
    public static RingConsumer open(MemorySegment ring, String name, int capacity, int entrySizeBytes,
            WaitStrategy waitStrategy) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(waitStrategy, "waitStrategy");
        RingDescriptor.checkHeader(ring, name, capacity, entrySizeBytes);
        return new RingConsumer(ring, name, capacity, entrySizeBytes, waitStrategy);
    }

    /**
     * Takes up to {@code max} published entries without waiting. Entries already taken and not released are counted
     * again (the call is idempotent until {@link #release}).
     *
     * @return how many entries are available, in [0, min(max, capacity)], indexed 0.. for {@link #entryOffset}
     * @throws RingProtocolException when the producer's sequence moved backwards or more than capacity ahead
     */
    public int available(int max) {
        assert owner.isCurrent();
        if (max < 1) {
            throw new IllegalArgumentException(name + ": max=" + max + " must be positive");
        }
        long ready = cachedProducer - consumed;
        if (ready < max) {
            refreshProducer();
            ready = cachedProducer - consumed;
        }
        taken = (int) Math.min(max, ready);
        return taken;
    }

    /**
     * Takes up to {@code max} published entries, waiting with this end's {@link WaitStrategy} while the ring is empty.
     *
     * @param deadlineNanos {@link System#nanoTime()} deadline
     * @return how many entries are available, at least 1, or 0 when none arrived by the deadline
     */
    public int awaitAvailable(int max, long deadlineNanos) {
        while (true) {
            int ready = available(max);
            if (ready > 0) {
                return ready;
            }
            if (waitStrategy.await(entriesWaitPoint, cachedProducer, deadlineNanos) == WaitOutcome.TIMED_OUT) {
                return available(max);
            }
        }
    }

    /** Offset in {@link #segment()} of available entry {@code index} (0 is the oldest). */
    public long entryOffset(int index) {
        Objects.checkIndex(index, taken);
        return RingDescriptor.entryOffset(consumed + index, capacity, entrySizeBytes);
    }

    /**
     * Gives the first {@code count} taken entries back to the producer with one release store of the consumer sequence,
     * then wakes the producer if (and only if) it announced that it sleeps.
     */
    public void release(int count) {
        assert owner.isCurrent();
        if (count < 0 || count > taken) {
            throw new IllegalArgumentException(name + ": release count=" + count + " must be in [0, " + taken
                    + "] (the entries taken)");
        }
        if (count == 0) {
            return;
        }
        consumed += count;
        taken -= count;
        // Release: our loads of the released entries happen-before the producer's acquire load of this sequence, so it
        // cannot overwrite an entry we are still reading.
        OrderedAccess.setLongRelease(ring, RingDescriptor.CONSUMER_SEQUENCE_OFFSET, consumed);
        producerWaitPoint.wakeIfWaiting(consumed);
    }

    /**
     * Hands up to {@code max} available entries to {@code handler} in order, then releases them all with one store.
     * Does not wait. If the handler throws, nothing is released.
     *
     * @return how many entries were handled
     */
    public int drain(EntryHandler handler, int max) {
        int ready = available(max);
        for (int i = 0; i < ready; i++) {
            handler.onEntry(ring, entryOffset(i));
        }
        release(ready);
        return ready;
    }

    private void refreshProducer() {
        long producer = OrderedAccess.getLongAcquire(ring, RingDescriptor.PRODUCER_SEQUENCE_OFFSET);
        if (producer < cachedProducer || producer - consumed > capacity) {
            throw RingProtocolException.sequenceOutOfRange(name, "producerSequence", cachedProducer, producer,
                    cachedProducer, consumed + capacity, capacity);
        }
        cachedProducer = producer;
    }

    public MemorySegment segment() {
        return ring;
    }

    /** Entries released so far (this end's sequence). */
    public long sequence() {
        return consumed;
    }

    /** Entries taken and not yet released. */
    public int taken() {
        return taken;
    }

    public int capacity() {
        return capacity;
    }

    public int entrySizeBytes() {
        return entrySizeBytes;
    }

    public String name() {
        return name;
    }

    public WaitStrategy waitStrategy() {
        return waitStrategy;
    }

    public WaitPoint entriesWaitPoint() {
        return entriesWaitPoint;
    }

    public WaitPoint producerWaitPoint() {
        return producerWaitPoint;
    }

    /** Lets another thread take over this end; the caller provides the happens-before between the two threads. */
    public void unbindThread() {
        owner.forget();
    }

    @Override
    public String toString() {
        return name + " consumer{consumed=" + consumed + ", cachedProducer=" + cachedProducer + ", taken=" + taken
                + ", capacity=" + capacity + "}";
    }
}

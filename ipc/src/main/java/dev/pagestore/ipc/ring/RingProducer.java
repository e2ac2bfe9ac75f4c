package dev.pagestore.ipc.ring;

import dev.pagestore.ipc.memory.OrderedAccess;
import dev.pagestore.ipc.wait.WaitOutcome;
import dev.pagestore.ipc.wait.WaitPoint;
import dev.pagestore.ipc.wait.WaitStrategy;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * The producing end of a single-producer/single-consumer ring ({@link RingDescriptor}): claims free entries, lets the
 * caller write them in place, and publishes a batch with one release store.
 *
 * <h2>Design</h2>
 * The producer keeps its own sequence ({@code published}) and a cached copy of the consumer's sequence locally, and
 * reads the shared consumer sequence (acquire) only when the cached copy says the ring lacks room: a producer that is
 * ahead of a fast consumer touches the consumer's cache line once per lap, not once per entry (the Disruptor's
 * {@code SingleProducerSequencer.next}). Each value read from the other process is checked before use: the consumer
 * sequence may only move forward and never past what was published; anything else is a {@link RingProtocolException},
 * never a loop. Publishing is one release store of the new sequence (the entries' plain stores stay before it), then
 * the wake-up check of {@link WaitPoint#wakeIfWaiting(long)} (one fence and one load; a syscall only if the consumer
 * sleeps).
 *
 * <h2>Use</h2>
 * <pre>{@code
 * int n = producer.claim(16, deadline);               // 0 when the deadline passed with the ring full
 * for (int i = 0; i < n; i++) {
 *     RequestDescriptor.write(producer.segment(), producer.entryOffset(i), ...);
 * }
 * producer.publish(n);                                // may publish fewer than claimed; the rest is unclaimed
 * }</pre>
 *
 * <p>Thread safety: one thread only (checked under {@code -ea}). Allocation: none after construction.
 */
public final class RingProducer {
    private final MemorySegment ring;
    private final String name;
    private final int capacity;
    private final int entrySizeBytes;
    private final WaitStrategy waitStrategy;
    /** Where this end sleeps when the ring is full: the consumer sequence, our producer-waiting flag. */
    private final WaitPoint spaceWaitPoint;
    /** Where the consumer sleeps when the ring is empty: our sequence, its consumer-waiting flag. */
    private final WaitPoint consumerWaitPoint;
    private final OwnerThread owner;

    /** Entries published so far; the shared producer sequence always equals this after a publish. */
    private long published;
    /** The consumer sequence as last read from shared memory; never ahead of the real one. */
    private long cachedConsumer;
    /** Entries claimed and not yet published, starting at {@code published}. */
    private int claimed;

    private RingProducer(MemorySegment ring, String name, int capacity, int entrySizeBytes, WaitStrategy waitStrategy) {
        this.ring = ring;
        this.name = name;
        this.capacity = capacity;
        this.entrySizeBytes = entrySizeBytes;
        this.waitStrategy = waitStrategy;
        this.spaceWaitPoint = new WaitPoint(ring, RingDescriptor.CONSUMER_SEQUENCE_OFFSET,
                RingDescriptor.PRODUCER_WAITING_OFFSET);
        this.consumerWaitPoint = new WaitPoint(ring, RingDescriptor.PRODUCER_SEQUENCE_OFFSET,
                RingDescriptor.CONSUMER_WAITING_OFFSET);
        this.owner = new OwnerThread(name + " producer");
        this.published = OrderedAccess.getLongAcquire(ring, RingDescriptor.PRODUCER_SEQUENCE_OFFSET);
        this.cachedConsumer = OrderedAccess.getLongAcquire(ring, RingDescriptor.CONSUMER_SEQUENCE_OFFSET);
    }

    /**
     * Opens the producing end of the formatted ring at the start of {@code ring}, after checking its header.
     *
     * @param name used in every error message, e.g. {@code "request ring of channel w1"}
     * @throws RingProtocolException when the header does not hold the expected capacity and entry size
     */
    public static RingProducer open(MemorySegment ring, String name, int capacity, int entrySizeBytes,
            WaitStrategy waitStrategy) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(waitStrategy, "waitStrategy");
        RingDescriptor.checkHeader(ring, name, capacity, entrySizeBytes);
        return new RingProducer(ring, name, capacity, entrySizeBytes, waitStrategy);
    }

    /**
     * Claims up to {@code count} free entries without waiting.
     *
     * @return how many were claimed, in [0, min(count, capacity)]; they are indexed 0.. for {@link #entryOffset}
     * @throws RingProtocolException when the consumer's sequence moved backwards or past what was published
     */
    public int tryClaim(int count) {
        assert owner.isCurrent();
        if (count < 1) {
            throw new IllegalArgumentException(name + ": claim count=" + count + " must be positive");
        }
        long free = capacity - (published - cachedConsumer);
        if (free < count) {
            refreshConsumer();
            free = capacity - (published - cachedConsumer);
        }
        claimed = (int) Math.min(count, free);
        return claimed;
    }

    /**
     * Claims up to {@code count} free entries, waiting with this end's {@link WaitStrategy} while the ring is full.
     *
     * @param deadlineNanos {@link System#nanoTime()} deadline
     * @return how many were claimed, at least 1, or 0 when the ring was still full at the deadline
     */
    public int claim(int count, long deadlineNanos) {
        while (true) {
            int claimedNow = tryClaim(count);
            if (claimedNow > 0) {
                return claimedNow;
            }
            if (waitStrategy.await(spaceWaitPoint, cachedConsumer, deadlineNanos) == WaitOutcome.TIMED_OUT) {
                return tryClaim(count);
            }
        }
    }

    /** Offset in {@link #segment()} of claimed entry {@code index} (0 is the oldest claimed). */
    public long entryOffset(int index) {
        Objects.checkIndex(index, claimed);
        return RingDescriptor.entryOffset(published + index, capacity, entrySizeBytes);
    }

    /**
     * Publishes the first {@code count} claimed entries with one release store of the producer sequence, then wakes
     * the consumer if (and only if) it announced that it sleeps. Claimed entries beyond {@code count} stay claimed.
     */
    public void publish(int count) {
        assert owner.isCurrent();
        if (count < 0 || count > claimed) {
            throw new IllegalArgumentException(name + ": publish count=" + count + " must be in [0, " + claimed
                    + "] (the entries claimed)");
        }
        if (count == 0) {
            return;
        }
        published += count;
        claimed -= count;
        // Release: the entries' plain stores above happen-before a consumer's acquire load of this sequence.
        OrderedAccess.setLongRelease(ring, RingDescriptor.PRODUCER_SEQUENCE_OFFSET, published);
        consumerWaitPoint.wakeIfWaiting(published);
    }

    private void refreshConsumer() {
        long consumer = OrderedAccess.getLongAcquire(ring, RingDescriptor.CONSUMER_SEQUENCE_OFFSET);
        if (consumer < cachedConsumer || consumer > published) {
            throw RingProtocolException.sequenceOutOfRange(name, "consumerSequence", cachedConsumer, consumer,
                    cachedConsumer, published, capacity);
        }
        cachedConsumer = consumer;
    }

    /** The ring's segment; claimed entries are at {@link #entryOffset}. */
    public MemorySegment segment() {
        return ring;
    }

    /** Entries published so far (this end's sequence). */
    public long sequence() {
        return published;
    }

    /** Entries claimed and not yet published. */
    public int claimed() {
        return claimed;
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

    /** Sleeps and wakes of this end (diagnostics): where it waits for space, and where it wakes the consumer. */
    public WaitPoint spaceWaitPoint() {
        return spaceWaitPoint;
    }

    public WaitPoint consumerWaitPoint() {
        return consumerWaitPoint;
    }

    /** Lets another thread take over this end; the caller provides the happens-before between the two threads. */
    public void unbindThread() {
        owner.forget();
    }

    @Override
    public String toString() {
        return name + " producer{published=" + published + ", cachedConsumer=" + cachedConsumer + ", claimed="
                + claimed + ", capacity=" + capacity + "}";
    }
}

package dev.pagestore.bench.replication;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Writes and errors counted per {@value #BUCKET_MILLIS} ms bucket from a start instant, and every gap between two
 * successful writes of at least {@value #GAP_REPORTED_MILLIS} ms (a stall), with its start and end to the nanosecond.
 * Writes before the start (a warm-up) are not counted; errors then are, under their name with " (warm-up)".
 *
 * <p>Sized at construction: the buckets cover {@code spanMillis}, and a completion later than that counts in the last
 * bucket; at most {@value #GAPS_MAX} gaps are kept (the first ones). Thread-safe: any number of writers record
 * concurrently; read it once they have stopped.
 */
final class CompletionTimeline {
    static final int BUCKET_MILLIS = 100;
    static final long GAP_REPORTED_MILLIS = 200;
    static final int GAPS_MAX = 256;

    /** A time with no successful write, in ms since the start. */
    record Gap(double startMillis, double endMillis) {
        double lengthMillis() {
            return endMillis - startMillis;
        }
    }

    private final long startNanos;
    private final AtomicLongArray writes;
    private final AtomicLongArray errors;
    /** The latest successful write's instant: a gap is measured from it. */
    private final AtomicLong lastWriteNanos;
    private final List<Gap> gaps = new ArrayList<>();
    private final Map<String, Long> errorsByName = new TreeMap<>();

    CompletionTimeline(long startNanos, long spanMillis) {
        if (spanMillis < BUCKET_MILLIS) {
            throw new IllegalArgumentException("spanMillis=" + spanMillis + " is under one bucket of "
                    + BUCKET_MILLIS + " ms");
        }
        this.startNanos = startNanos;
        int buckets = (int) (spanMillis / BUCKET_MILLIS);
        this.writes = new AtomicLongArray(buckets);
        this.errors = new AtomicLongArray(buckets);
        this.lastWriteNanos = new AtomicLong(startNanos);
    }

    long startNanos() {
        return startNanos;
    }

    double millisSinceStart(long nanos) {
        return (nanos - startNanos) / 1e6;
    }

    /** A write acknowledged at {@code nowNanos}. */
    void written(long nowNanos) {
        if (nowNanos < startNanos) {
            return;  // warm-up
        }
        writes.incrementAndGet(bucket(nowNanos));
        long previous = lastWriteNanos.get();
        while (nowNanos > previous && !lastWriteNanos.compareAndSet(previous, nowNanos)) {
            previous = lastWriteNanos.get();  // another writer moved it: measure from the latest
        }
        if (nowNanos > previous && nowNanos - previous >= TimeUnit.MILLISECONDS.toNanos(GAP_REPORTED_MILLIS)) {
            addGap(previous, nowNanos);
        }
    }

    /** A write that failed at {@code nowNanos}, counted under {@code name} (the client's error code). */
    void failed(long nowNanos, String name) {
        boolean warmUp = nowNanos < startNanos;
        if (!warmUp) {
            errors.incrementAndGet(bucket(nowNanos));
        }
        synchronized (errorsByName) {
            errorsByName.merge(warmUp ? name + " (warm-up)" : name, 1L, Long::sum);
        }
    }

    /** Closes the timeline at {@code endNanos}: a stall still running then is a gap up to it. */
    void close(long endNanos) {
        long last = lastWriteNanos.get();
        if (endNanos - last >= TimeUnit.MILLISECONDS.toNanos(GAP_REPORTED_MILLIS)) {
            addGap(last, endNanos);
        }
    }

    private void addGap(long fromNanos, long toNanos) {
        synchronized (gaps) {
            if (gaps.size() < GAPS_MAX) {
                gaps.add(new Gap(millisSinceStart(fromNanos), millisSinceStart(toNanos)));
            }
        }
    }

    int bucketCount() {
        return writes.length();
    }

    private int bucket(long nanos) {
        long index = TimeUnit.NANOSECONDS.toMillis(nanos - startNanos) / BUCKET_MILLIS;
        return (int) Math.min(index, writes.length() - 1);
    }

    long[] writesPerBucket() {
        long[] copy = new long[writes.length()];
        for (int i = 0; i < copy.length; i++) {
            copy[i] = writes.get(i);
        }
        return copy;
    }

    long[] errorsPerBucket() {
        long[] copy = new long[errors.length()];
        for (int i = 0; i < copy.length; i++) {
            copy[i] = errors.get(i);
        }
        return copy;
    }

    /** The gaps of at least {@value #GAP_REPORTED_MILLIS} ms, in the order they ended. */
    List<Gap> gaps() {
        synchronized (gaps) {
            return List.copyOf(gaps);
        }
    }

    Map<String, Long> errorsByName() {
        synchronized (errorsByName) {
            return new TreeMap<>(errorsByName);
        }
    }
}

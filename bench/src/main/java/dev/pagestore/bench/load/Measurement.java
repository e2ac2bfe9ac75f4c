package dev.pagestore.bench.load;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Recorder;

/**
 * A worker's record of one run: operations are issued from the start signal until the end of the measured window,
 * and counted (latency, errors by type) only when they <em>complete</em> inside the window, which starts after the
 * warm-up. Completion time, not issue time, so that the window's operations per second are what the store delivered
 * in it.
 *
 * <p>Thread safety: {@link #succeeded} and {@link #failed} from any threads at once (the client's completion thread,
 * a worker's call threads); HdrHistogram's {@link Recorder} takes concurrent writers without locks.
 */
final class Measurement {
    private final long measureFromNanos;
    private final long measureToNanos;
    private final Recorder reads = new Recorder(3);
    private final Recorder writes = new Recorder(3);
    private final LongAdder completed = new LongAdder();
    private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();

    /** A window of {@code durationNanos} that starts {@code warmupNanos} after {@code goNanos}. */
    Measurement(long goNanos, long warmupNanos, long durationNanos) {
        if (warmupNanos < 0 || durationNanos <= 0) {
            throw new IllegalArgumentException("warmupNanos=" + warmupNanos + " durationNanos=" + durationNanos
                    + ": need warm-up >= 0 and duration > 0");
        }
        this.measureFromNanos = goNanos + warmupNanos;
        this.measureToNanos = measureFromNanos + durationNanos;
    }

    /** Whether to issue another operation: until the window ends. */
    boolean issuing(long nowNanos) {
        return nowNanos < measureToNanos;
    }

    /** An operation issued at {@code startNanos} completed successfully now. */
    void succeeded(boolean read, long startNanos) {
        long now = System.nanoTime();
        completed.increment();
        if (now >= measureFromNanos && now < measureToNanos) {
            (read ? reads : writes).recordValue(Math.max(1, now - startNanos));
        }
    }

    /** An operation failed now with {@code error} (a name: an {@code ErrorCode}, an exception's class...). */
    void failed(String error) {
        long now = System.nanoTime();
        if (now >= measureFromNanos && now < measureToNanos) {
            errors.computeIfAbsent(error, e -> new LongAdder()).increment();
        }
    }

    /** Sleeps until the window starts (at once when it has). */
    void awaitWindowStart() throws InterruptedException {
        long wait = measureFromNanos - System.nanoTime();
        if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
        }
    }

    /** Operations completed successfully since the start signal, warm-up included (for progress lines). */
    long completed() {
        return completed.sum();
    }

    /** The window's figures; call once, after the last operation completed. */
    WorkerReport report(long cacheHits, long cacheMisses) {
        Map<String, Long> counts = new TreeMap<>();
        errors.forEach((name, count) -> counts.put(name, count.sum()));
        return new WorkerReport(reads.getIntervalHistogram(), writes.getIntervalHistogram(), counts, cacheHits,
                cacheMisses);
    }
}

package dev.pagestore.bench.load;

import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * The figures of one run of one tool.
 *
 * @param tool               {@code pagestore}, {@code fio} or {@code rocksdb}
 * @param run                1, 2, ...
 * @param opsSeconds         the time the operation counts and latencies cover (the measured window; for fio its
 *                           reported runtime)
 * @param reads              latencies of successful reads, nanoseconds, merged over every worker
 * @param writes             latencies of successful writes, likewise
 * @param extraLatencies     other latencies a tool reports apart (fio's fdatasyncs), by name; may be empty
 * @param errors             failed operations by type
 * @param cpuSeconds         the window CPU time was measured over
 * @param workersCpuNanos    CPU time of the worker processes (fio's and RocksDB's: the whole tool) in that window
 * @param managerCpuNanos    CPU time of the manager in that window; -1 for a tool without one
 * @param managerRssBytes    the manager's resident memory at the window's end, workers attached; -1 without one
 * @param managerIdleRssBytes the manager's resident memory before any worker attached; -1 without one
 * @param cacheHits          page (or block) cache hits in the window
 * @param cacheMisses        cache misses in the window
 * @param reportedCpuNanos   the CPU time the tool reports of itself over {@code opsSeconds} (fio's usr_cpu and
 *                           sys_cpu), or -1: a cross-check of {@code /proc}
 */
record RunResult(String tool, int run, double opsSeconds, Histogram reads, Histogram writes,
        Map<String, Histogram> extraLatencies, Map<String, Long> errors, double cpuSeconds, long workersCpuNanos,
        long managerCpuNanos, long managerRssBytes, long managerIdleRssBytes, long cacheHits, long cacheMisses,
        long reportedCpuNanos) {

    RunResult {
        extraLatencies = Map.copyOf(extraLatencies);
        errors = Map.copyOf(errors);
    }

    long ops() {
        return reads.getTotalCount() + writes.getTotalCount();
    }

    double opsPerSecond() {
        return ops() / opsSeconds;
    }

    /** Reads and writes together. */
    Histogram all() {
        Histogram all = new Histogram(3);
        all.add(reads);
        all.add(writes);
        return all;
    }

    /** {@code cpuNanos} (spent over {@link #cpuSeconds}) per operation, in microseconds; NaN without operations. */
    double microsPerOp(long cpuNanos) {
        double opsInCpuWindow = opsPerSecond() * cpuSeconds;
        return cpuNanos < 0 || opsInCpuWindow == 0 ? Double.NaN : cpuNanos / 1e3 / opsInCpuWindow;
    }

    long totalCpuNanos() {
        return workersCpuNanos + Math.max(0, managerCpuNanos);
    }

    boolean hasManager() {
        return managerCpuNanos >= 0;
    }

    /** Hits over lookups, or NaN without a cache. */
    double cacheHitRatio() {
        long lookups = cacheHits + cacheMisses;
        return lookups == 0 ? Double.NaN : (double) cacheHits / lookups;
    }

    long errorCount() {
        return errors.values().stream().mapToLong(Long::longValue).sum();
    }
}

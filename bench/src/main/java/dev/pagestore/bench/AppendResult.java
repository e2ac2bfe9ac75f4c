package dev.pagestore.bench;

/** One measured point: durable appends per second, their latency percentiles, the group-commit factor, and where the
 * commits' time went ({@link CommitTime#NONE} for the peers). */
record AppendResult(double opsPerSecond, double p50Micros, double p99Micros, double p999Micros, double maxMicros,
                    double meanBatch, CommitTime commitTime) {
}

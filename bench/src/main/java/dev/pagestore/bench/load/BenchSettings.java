package dev.pagestore.bench.load;

import java.nio.file.Path;
import java.util.List;

/**
 * One {@code pagestore bench} invocation, validated ({@link BenchCommand} checks every value before it builds this).
 *
 * @param workers          worker processes
 * @param depth            requests outstanding per worker (asynchronous), or calling threads per worker
 * @param warmupSeconds    unmeasured seconds before each run's window
 * @param durationSeconds  the measured window of each run
 * @param readPercent      reads among operations
 * @param pages            the working set in pages (the store's capacity, fio's file, RocksDB's keys)
 * @param skew             how pages are chosen
 * @param theta            Zipf's exponent
 * @param cacheMiB         each worker's page cache (0: none)
 * @param sync             synchronous calls from {@code depth} threads per worker
 * @param futures          asynchronous requests through futures instead of the client's poller
 * @param pageSizeBytes    the page size
 * @param runs             runs of the store (and as many of the peer, alternating)
 * @param peer             what to compare with
 * @param fioSync          how fio makes its writes durable
 * @param managerOptions   extra {@code pagestore manager} options
 * @param seed             the workload's seed
 * @param jsonFile         where to write every figure as JSON, or null
 * @param keep             keep the scratch store, the peer's data and the logs
 */
record BenchSettings(int workers, int depth, double warmupSeconds, double durationSeconds, int readPercent, long pages,
        Skew skew, double theta, long cacheMiB, boolean sync, boolean futures, int pageSizeBytes, int runs, Peer peer,
        FioSync fioSync, List<String> managerOptions, long seed, Path jsonFile, boolean keep) {

    /** What the bench compares the store with. */
    enum Peer {
        NONE, FIO, ROCKSDB
    }

    /**
     * How fio makes a write durable. {@code fdatasync}: an {@code fdatasync} after each write ({@code --fdatasync=1});
     * fio reports its latency apart from the write's. {@code dsync}: files opened {@code O_DSYNC}, so each write is
     * durable when it completes, its latency included, like the store's. {@code auto}: {@code fdatasync} for writes
     * alone, {@code dsync} for a mix, because in a mixed job ({@code randrw}) fio follows every I/O with an
     * {@code fdatasync}, reads included (fio 3.33: 25,065 fdatasyncs for 17,503 reads and 7,560 writes).
     */
    enum FioSync {
        AUTO, FDATASYNC, DSYNC
    }

    /** {@link #fioSync} resolved: never {@link FioSync#AUTO}. */
    FioSync effectiveFioSync() {
        if (fioSync != FioSync.AUTO) {
            return fioSync;
        }
        return readPercent == 0 ? FioSync.FDATASYNC : FioSync.DSYNC;
    }

    BenchSettings {
        managerOptions = List.copyOf(managerOptions);
    }

    /** Whether workers make synchronous calls from threads: asked for, or implied by a page cache (its API). */
    boolean synchronousCalls() {
        return sync || cacheMiB > 0;
    }

    /** Worker {@code worker}'s workload: the same for all but the seed. */
    Workload workload(int worker) {
        return new Workload(readPercent, pages, skew, theta, depth, synchronousCalls(), futures, cacheMiB << 20,
                pageSizeBytes, seed + worker);
    }

    long workingSetBytes() {
        return pages * pageSizeBytes;
    }
}

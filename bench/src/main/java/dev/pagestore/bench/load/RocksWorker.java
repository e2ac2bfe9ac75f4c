package dev.pagestore.bench.load;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.CompressionType;
import org.rocksdb.FlushOptions;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.Statistics;
import org.rocksdb.TickerType;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * The RocksDB peer of {@code pagestore bench --compare rocksdb}: one process with {@code THREADS} threads (the bench's
 * workers x depth), each making one synchronous call at a time: {@code get} of a page's key, or {@code put} of a
 * whole page with {@code WriteOptions.setSync(true)}, so that a write returns once durable, as the store's does. Keys
 * are page numbers (8 bytes, big-endian), values page-size random bytes. Speaks {@link WorkerHarness}'s protocol.
 *
 * <h2>Why threads, not processes</h2>
 * A RocksDB database is open in one process at a time (its {@code LOCK} file); other processes could only open
 * read-only secondaries. Its concurrency model is threads sharing one {@code DB}, group-committing their WAL writes,
 * and that is what is measured, with as many callers as the store has outstanding requests.
 *
 * <h2>Configured to compare</h2>
 * Direct I/O for reads, flushes and compactions (the store reads with {@code O_DIRECT}; through the OS page cache the
 * working set would soon be in memory), a block cache of the size the bench gives (the store's page caches together,
 * at least {@link #BLOCK_CACHE_BYTES_MIN}), data blocks of one page, a Bloom filter, no compression (pages are random
 * bytes). Everything else is RocksDB's default.
 *
 * <p>Arguments: {@code DB_DIR BENCH_PID THREADS PRELOAD key=value...}: with {@code PRELOAD=true} it first writes every
 * page once (a write batch without WAL, then a flush and a full compaction), before {@code ready}.
 */
public final class RocksWorker {
    static final long BLOCK_CACHE_BYTES_MIN = 8L << 20;
    private static final int PRELOAD_BATCH_PAGES = 256;

    private RocksWorker() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 5) {
            WorkerHarness.fail("usage: RocksWorker DB_DIR BENCH_PID THREADS PRELOAD key=value...");
        }
        WorkerHarness harness = new WorkerHarness(Long.parseLong(args[1]));
        int threads = Integer.parseInt(args[2]);
        boolean preload = Boolean.parseBoolean(args[3]);
        Workload workload = Workload.parse(Arrays.asList(args).subList(4, args.length));
        RocksDB.loadLibrary();
        try (LRUCache blockCache = new LRUCache(Math.max(BLOCK_CACHE_BYTES_MIN, workload.cacheBytes()));
             BloomFilter filter = new BloomFilter(10);
             Statistics statistics = new Statistics();
             Options options = new Options().setCreateIfMissing(true).setUseDirectReads(true)
                     .setUseDirectIoForFlushAndCompaction(true).setCompressionType(CompressionType.NO_COMPRESSION)
                     .setTableFormatConfig(new BlockBasedTableConfig().setBlockCache(blockCache)
                             .setBlockSize(workload.pageSizeBytes()).setFilterPolicy(filter));
             WriteOptions durable = new WriteOptions().setSync(true)) {
            if (workload.cacheBytes() > 0) {
                options.setStatistics(statistics);  // for the block cache's hit ratio; none without a cache to judge
            }
            try (RocksDB db = RocksDB.open(options, args[0])) {
                if (preload) {
                    preload(db, workload);
                }
                run(db, durable, workload, threads, harness, workload.cacheBytes() > 0 ? statistics : null);
            }
        } catch (Exception e) {
            e.printStackTrace();
            WorkerHarness.fail("bench rocksdb worker: " + e);
        }
        System.exit(0);
    }

    static byte[] key(long page) {
        return ByteBuffer.allocate(Long.BYTES).putLong(0, page).array();
    }

    private static void preload(RocksDB db, Workload workload) throws RocksDBException {
        PageImage image = new PageImage(workload.pageSizeBytes(), new SplittableRandom(workload.seed() - 1));
        try (WriteOptions noLog = new WriteOptions().setDisableWAL(true);
             FlushOptions flush = new FlushOptions().setWaitForFlush(true)) {
            for (long first = 0; first < workload.pages(); first += PRELOAD_BATCH_PAGES) {
                try (WriteBatch batch = new WriteBatch()) {
                    for (long page = first; page < Math.min(workload.pages(), first + PRELOAD_BATCH_PAGES); page++) {
                        batch.put(key(page), image.stamp(page));
                    }
                    db.write(noLog, batch);
                }
            }
            db.flush(flush);  // without a WAL, the pages are safe only once flushed
        }
        db.compactRange();
    }

    private static void run(RocksDB db, WriteOptions durable, Workload workload, int threadCount,
            WorkerHarness harness, Statistics statistics) throws Exception {
        PagePicker picker = PagePicker.of(workload);
        SplittableRandom seeds = new SplittableRandom(workload.seed());
        CompletableFuture<Measurement> go = new CompletableFuture<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < threadCount; t++) {
            SplittableRandom random = seeds.split();
            Thread caller = new Thread(() -> {
                try {
                    call(db, durable, workload, picker, random, go.join());
                } catch (RuntimeException e) {
                    failure.compareAndSet(null, e);
                }
            }, "bench-rocksdb-" + t);
            caller.start();
            threads.add(caller);
        }
        harness.ready();
        Measurement measurement = harness.awaitGo();
        go.complete(measurement);
        long hits = 0;
        long misses = 0;
        if (statistics != null) {
            measurement.awaitWindowStart();
            hits = -statistics.getTickerCount(TickerType.BLOCK_CACHE_DATA_HIT);
            misses = -statistics.getTickerCount(TickerType.BLOCK_CACHE_DATA_MISS);
        }
        for (Thread thread : threads) {
            thread.join();
        }
        if (failure.get() != null) {
            throw new IllegalStateException("a call thread failed: " + failure.get(), failure.get());
        }
        if (statistics != null) {
            hits += statistics.getTickerCount(TickerType.BLOCK_CACHE_DATA_HIT);
            misses += statistics.getTickerCount(TickerType.BLOCK_CACHE_DATA_MISS);
        }
        harness.result(measurement.report(hits, misses));
    }

    private static void call(RocksDB db, WriteOptions durable, Workload workload, PagePicker picker,
            SplittableRandom random, Measurement measurement) {
        PageImage image = new PageImage(workload.pageSizeBytes(), random.split());
        while (measurement.issuing(System.nanoTime())) {
            long page = picker.next(random);
            boolean read = random.nextInt(100) < workload.readPercent();
            long start = System.nanoTime();
            try {
                if (read) {
                    if (db.get(key(page)) == null) {
                        measurement.failed("MISSING_KEY");
                        continue;
                    }
                } else {
                    db.put(durable, key(page), image.stamp(page));
                }
                measurement.succeeded(read, start);
            } catch (RocksDBException e) {
                measurement.failed("ROCKSDB_" + (e.getStatus() != null ? e.getStatus().getCode() : "UNKNOWN"));
            }
        }
    }
}

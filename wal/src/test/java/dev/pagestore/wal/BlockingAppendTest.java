package dev.pagestore.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.nvme.sim.NvmeOpcodes;
import dev.pagestore.nvme.sim.NvmeStatus;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * {@link WriteAheadLog#appendAndWait}: the blocking append whose waiters are woken by one {@link CommitSignal}. The logs
 * live on the nvme module's simulated controller ({@link SimulatedLogDirectory}): its power cut keeps only what was
 * flushed, and its fault plan fails the flush.
 */
class BlockingAppendTest {
    private static final WalConfig CONFIG = WalTestSupport.smallConfig(11);
    private static final int PAGE = CONFIG.pageSizeBytes();

    /** A machine whose files are simulated controllers with a volatile write cache, each as large as a segment. */
    private static SimulatedLogDirectory machine(long seed, WalConfig config) {
        return new SimulatedLogDirectory(SimulatedLogDirectory.Settings.of(seed, config.segmentSizeBytes()));
    }

    @Test
    void shouldReturnTheLsnOnlyOnceTheRecordIsDurable() throws Exception {
        try (SimulatedLogDirectory directory = machine(21, CONFIG); Arena arena = Arena.ofShared()) {
            long previous = -1;
            try (WriteAheadLog wal = WriteAheadLog.open(directory, CONFIG, PageReplayer.NONE)) {
                long started = System.nanoTime();
                for (int i = 0; i < 50; i++) {
                    long lsn = wal.appendAndWait(i, WalTestSupport.page(arena, PAGE, i, i));
                    assertTrue(lsn > previous, "LSNs increase: " + lsn + " after " + previous);
                    assertTrue(wal.durableLsn() > lsn, "durable LSN " + wal.durableLsn() + " passes " + lsn);
                    previous = lsn;
                }
                long elapsed = System.nanoTime() - started;
                // liveness, not speed: a lost wake-up would leave each waiter asleep until its sleep bound
                assertTrue(elapsed < 50 * CommitSignal.SLEEP_BOUND_NANOS / 2,
                        "50 blocking appends took " + elapsed / 1_000_000 + " ms: the writer's wake-up did not arrive");
            }
            directory.powerFail(); // only what was flushed survives
            WriteAheadLogTest.Collector collector = new WriteAheadLogTest.Collector();
            try (WriteAheadLog wal = WriteAheadLog.open(directory.reopen(), CONFIG, collector)) {
                assertEquals(50, wal.recoveryReport().pagesApplied(), wal.recoveryReport().detail());
            }
        }
    }

    @Test
    void shouldWakeEveryBlockedAppenderAndRecoverEveryRecordTheyWereToldOf() throws Exception {
        WalConfig config = CONFIG.withSegmentSizeBytes(1 << 20);
        int threads = 16;
        int perThread = 300;
        Map<Long, Long> lsnByRecord = new ConcurrentHashMap<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        try (SimulatedLogDirectory directory = machine(22, config); Arena arena = Arena.ofShared()) {
            try (WriteAheadLog wal = WriteAheadLog.open(directory, config, PageReplayer.NONE)) {
                List<Thread> appenders = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int thread = t;
                    appenders.add(Thread.ofPlatform().start(() -> {
                        long[] numbers = new long[2];
                        MemorySegment[] images = new MemorySegment[2];
                        try {
                            for (int i = 0; i < perThread; i++) {
                                long id = thread * 10_000L + i;
                                long page = 2 * id;
                                long lsn;
                                if (i % 3 == 0) { // every third append is a two-page group
                                    numbers[0] = page;
                                    numbers[1] = page + 1;
                                    images[0] = WalTestSupport.page(arena, PAGE, id, page);
                                    images[1] = WalTestSupport.page(arena, PAGE, id, page + 1);
                                    lsn = wal.appendAndWait(numbers, images, 2);
                                } else {
                                    lsn = wal.appendAndWait(page, WalTestSupport.page(arena, PAGE, id, page));
                                }
                                assertTrue(wal.durableLsn() > lsn, "told before durable: " + lsn);
                                lsnByRecord.put(id, lsn);
                            }
                        } catch (Throwable e) {
                            failure.compareAndSet(null, e);
                        }
                    }));
                }
                for (Thread appender : appenders) {
                    appender.join(TimeUnit.SECONDS.toMillis(60));
                    assertTrue(!appender.isAlive(), "a blocked appender was never woken");
                }
                if (failure.get() != null) {
                    throw new AssertionError("an appender failed", failure.get());
                }
                // a commit takes microseconds here, so a sleep that lasts to its 100 ms bound missed its wake-up. A
                // starved CI machine may stall the writer that long once or twice; a lost wake-up does it hundreds of
                // times (264 in 4,800 appends with a one-thread wake)
                long sleepsToBound = wal.metrics().commitSleepsToBound();
                assertTrue(sleepsToBound <= 5, sleepsToBound + " blocked appenders slept to their bound: wake-ups lost");
            }
            assertEquals(threads * perThread, lsnByRecord.size());
            assertEquals(threads * perThread, new java.util.HashSet<>(lsnByRecord.values()).size(), "LSNs are unique");
            directory.powerFail();
            WriteAheadLogTest.Collector collector = new WriteAheadLogTest.Collector();
            try (WriteAheadLog ignored = WriteAheadLog.open(directory.reopen(), config, collector)) {
                Map<Long, Long> expected = new HashMap<>();
                lsnByRecord.forEach((id, lsn) -> {
                    expected.put(2 * id, id);
                    if ((id % 10_000L) % 3 == 0) {
                        expected.put(2 * id + 1, id);
                    }
                });
                assertEquals(expected, collector.recordIdByPage);
            }
        }
    }

    @Test
    void shouldThrowWalFailedExceptionToEveryBlockedAppenderWhenADatasyncFails() throws Exception {
        int threads = 8;
        try (SimulatedLogDirectory directory = machine(23, CONFIG); Arena arena = Arena.ofShared();
             WriteAheadLog wal = WriteAheadLog.open(directory, CONFIG, PageReplayer.NONE)) {
            wal.appendAndWait(0, WalTestSupport.page(arena, PAGE, 0, 0));
            directory.simulatedDevice(WalSegmentDescriptor.fileName(0)).faults()
                    .failNext(NvmeOpcodes.FLUSH, 1, NvmeStatus.WRITE_FAULT);
            CountDownLatch done = new CountDownLatch(threads);
            List<Throwable> outcomes = java.util.Collections.synchronizedList(new ArrayList<>());
            for (int t = 0; t < threads; t++) {
                long page = 100 + t;
                Thread.ofPlatform().start(() -> {
                    try {
                        while (true) { // until the failure reaches this thread
                            wal.appendAndWait(page, WalTestSupport.page(arena, PAGE, page, page));
                        }
                    } catch (Throwable e) {
                        outcomes.add(e);
                    } finally {
                        done.countDown();
                    }
                });
            }
            assertTrue(done.await(30, TimeUnit.SECONDS), "every blocked appender hears of the failure");
            assertEquals(threads, outcomes.size());
            for (Throwable outcome : outcomes) {
                WalFailedException e = assertInstanceOf(WalFailedException.class, outcome);
                assertNotNull(e.getCause(), "the log's failure is the cause");
            }
            assertThrows(WalFailedException.class, () -> wal.appendAndWait(1, WalTestSupport.page(arena, PAGE, 1, 1)),
                    "later appends fail at once");
        }
    }

    @Test
    void shouldAllocateNothingPerBlockingAppend() throws Exception {
        // real files on tmpfs: the production path, with its real system calls, which the simulated controller
        // would replace, and an fdatasync that costs nothing
        java.nio.file.Path root = java.nio.file.Files.createTempDirectory(java.nio.file.Path.of("/dev/shm"),
                "pagestore-blocking-append-");
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (Arena arena = Arena.ofShared(); WriteAheadLog wal = WriteAheadLog.open(new FileLogDirectory(root),
                CONFIG.withSegmentSizeBytes(4 << 20), PageReplayer.NONE)) {
            MemorySegment image = WalTestSupport.page(arena, PAGE, 1, 1);
            int appends = 20_000;
            for (int i = 0; i < appends; i++) { // warm-up: class loading, JIT
                wal.appendAndWait(1, image);
            }
            // on tmpfs 20,000 appends take well under a second, which may end before the JIT has compiled the path:
            // measure rounds until one runs compiled code. An allocation per append shows in every round.
            List<Double> rounds = new ArrayList<>();
            double perAppend = Double.MAX_VALUE;
            for (int round = 0; round < 10 && perAppend >= 8; round++) {
                long before = mx.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < appends; i++) {
                    wal.appendAndWait(1, image);
                }
                rounds.add((double) (mx.getCurrentThreadAllocatedBytes() - before) / appends);
                perAppend = Math.min(perAppend, rounds.getLast());
            }
            System.out.printf("appendAndWait allocated %.2f bytes per append on the appending thread (rounds %s)%n",
                    perAppend, rounds);
            assertTrue(perAppend < 8, "bytes allocated per blocking append, by round of 20,000: " + rounds);
        } finally {
            try (var files = java.nio.file.Files.walk(root)) {
                for (java.nio.file.Path path : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    java.nio.file.Files.delete(path);
                }
            }
        }
    }
}

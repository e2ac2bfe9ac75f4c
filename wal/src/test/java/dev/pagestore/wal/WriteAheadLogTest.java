package dev.pagestore.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.nvme.IoStatus;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class WriteAheadLogTest {
    private static final WalConfig CONFIG = WalTestSupport.smallConfig(11);
    private static final int PAGE = CONFIG.pageSizeBytes();

    /** Collects what recovery applies: page number -> record id of the image, and how often each page came. */
    static final class Collector implements PageReplayer {
        final Map<Long, Long> recordIdByPage = new HashMap<>();
        final Map<Long, Integer> applications = new HashMap<>();

        @Override
        public void applyPage(long pageNumber, MemorySegment image, long lsn) {
            assertTrue(WalTestSupport.intact(image, pageNumber), "page " + pageNumber + " damaged");
            recordIdByPage.put(pageNumber, WalTestSupport.recordIdOf(image));
            applications.merge(pageNumber, 1, Integer::sum);
        }
    }

    private static long appendAndWait(WriteAheadLog wal, Arena arena, long recordId, long pageNumber) {
        return wal.append(pageNumber, WalTestSupport.page(arena, PAGE, recordId, pageNumber)).join();
    }

    /** The nvme module's simulated controller as the log's disk, files as large as a segment. */
    private static SimulatedLogDirectory simulated(long seed) {
        return new SimulatedLogDirectory(SimulatedLogDirectory.Settings.of(seed, CONFIG.segmentSizeBytes()));
    }

    @Test
    void shouldRecoverEveryAcknowledgedPageAfterReopen() throws IOException {
        try (SimulatedLogDirectory directory = simulated(1); Arena arena = Arena.ofShared()) {
            try (WriteAheadLog wal = WriteAheadLog.open(directory, CONFIG, PageReplayer.NONE)) {
                assertEquals(StopReason.END_OF_LOG, wal.recoveryReport().stopReason());
                long previous = -1;
                for (int i = 0; i < 20; i++) {
                    long lsn = appendAndWait(wal, arena, i, i % 7);
                    assertTrue(lsn > previous, "LSNs increase");
                    assertTrue(wal.durableLsn() > lsn, "durable LSN passes the acknowledged record");
                    previous = lsn;
                }
            }
            Collector collector = new Collector();
            try (WriteAheadLog wal = WriteAheadLog.open(directory, CONFIG, collector)) {
                RecoveryReport report = wal.recoveryReport();
                assertEquals(StopReason.END_OF_LOG, report.stopReason(), report.detail());
                assertEquals(20, report.recordsReplayed());
                assertEquals(20, report.pageImagesScanned());
                assertEquals(7, report.pagesApplied());
            }
            for (long page = 0; page < 7; page++) {
                long last = page + 7 * ((19 - page) / 7);
                assertEquals(last, collector.recordIdByPage.get(page), "page " + page + " has its last image");
            }
        }
    }

    @Test
    void shouldApplyEachPageOnceWithItsLastImage() throws IOException {
        try (SimulatedLogDirectory directory = simulated(2); Arena arena = Arena.ofShared()) {
            try (WriteAheadLog wal = WriteAheadLog.open(directory, CONFIG, PageReplayer.NONE)) {
                for (int i = 0; i < 300; i++) { // several segments' worth, all for three pages
                    appendAndWait(wal, arena, i, i % 3);
                }
            }
            Collector collector = new Collector();
            try (WriteAheadLog wal = WriteAheadLog.open(directory, CONFIG, collector)) {
                assertEquals(300, wal.recoveryReport().pageImagesScanned());
                assertEquals(3, wal.recoveryReport().pagesApplied());
            }
            assertEquals(Map.of(0L, 1, 1L, 1, 2L, 1), collector.applications);
            assertEquals(Map.of(0L, 297L, 1L, 298L, 2L, 299L), collector.recordIdByPage);
        }
    }

    @Test
    void shouldRollOverSegmentsAndRecoverAcrossThem() throws IOException {
        long records = 600; // ~560 B each: about six 64 KiB segments
        try (SimulatedLogDirectory directory = simulated(3); Arena arena = Arena.ofShared()) {
            long lastLsn;
            try (WriteAheadLog wal = WriteAheadLog.open(directory, CONFIG, PageReplayer.NONE)) {
                List<CompletableFuture<Long>> futures = new ArrayList<>();
                for (int i = 0; i < records; i++) {
                    futures.add(wal.append(i, WalTestSupport.page(arena, PAGE, i, i)));
                }
                futures.forEach(CompletableFuture::join);
                lastLsn = futures.getLast().join();
                assertTrue(wal.metrics().segmentsPrepared() >= 5, wal.metrics().toString());
            }
            long usedSegments = lastLsn / CONFIG.segmentSizeBytes() + 1;
            assertTrue(usedSegments >= 6, "segments: " + directory.list());
            // the segments that hold records, and the next one if its preparation ahead finished before the close
            long segmentFiles = directory.list().stream().filter(n -> n.endsWith(".wal")).count();
            assertTrue(segmentFiles == usedSegments || segmentFiles == usedSegments + 1,
                    usedSegments + " segments used, files: " + directory.list());
            Collector collector = new Collector();
            try (WriteAheadLog wal = WriteAheadLog.open(directory, CONFIG, collector)) {
                RecoveryReport report = wal.recoveryReport();
                assertEquals(records, report.pagesApplied(), report.toString());
                assertEquals(usedSegments, report.segmentsScanned(), report.toString());
                assertEquals(records + usedSegments - 1, report.recordsReplayed(), "records plus SEGMENT_ENDs");
            }
            for (long i = 0; i < records; i++) {
                assertEquals(i, collector.recordIdByPage.get(i));
            }
        }
    }

    @Test
    void shouldRecycleSegmentsAfterCheckpointWithANewSalt() throws IOException {
        Map<Long, Long> dataFile = new HashMap<>(); // the "data file": page -> record id, as flushed by checkpoints
        Map<Long, Long> latest = new HashMap<>();
        try (SimulatedLogDirectory directory = simulated(4); Arena arena = Arena.ofShared()) {
            try (WriteAheadLog wal = WriteAheadLog.open(directory, CONFIG, PageReplayer.NONE)) {
                long id = 0;
                for (int round = 0; round < 6; round++) {
                    for (int i = 0; i < 250; i++, id++) {
                        long page = id % 50;
                        appendAndWait(wal, arena, id, page);
                        latest.put(page, id);
                    }
                    if (round == 0) {
                        assertEquals(0, wal.metrics().segmentsRecycled(), "no spare before the first checkpoint: "
                                + wal.metrics());
                        assertTrue(wal.metrics().segmentsZeroFilled() >= 2, "a new log's segments are made anew: "
                                + wal.metrics());
                    }
                    long redo = wal.checkpoint(upTo -> dataFile.putAll(latest));
                    assertEquals(redo, wal.redoLsn());
                }
                long segmentFiles = directory.list().stream().filter(n -> n.endsWith(".wal")).count();
                assertTrue(wal.metrics().segmentsPrepared() > segmentFiles,
                        "segments were reused: prepared " + wal.metrics().segmentsPrepared() + ", files "
                                + segmentFiles);
                assertTrue(wal.metrics().segmentsRecycled() > 0, "spares were recycled: " + wal.metrics());
                assertTrue(wal.metrics().writeNanos() > 0 && wal.metrics().syncNanos() > 0,
                        "the writer's time in write and fdatasync is counted: " + wal.metrics());
                // the live segments, and the next one prepared ahead
                assertTrue(segmentFiles <= 7, "recycling bounds the files: " + directory.list());
                for (int i = 0; i < 30; i++, id++) {
                    long page = id % 50;
                    appendAndWait(wal, arena, id, page);
                    latest.put(page, id);
                }
            }
            Collector collector = new Collector();
            try (WriteAheadLog wal = WriteAheadLog.open(directory, CONFIG, collector)) {
                assertEquals(30, wal.recoveryReport().pageImagesScanned(), wal.recoveryReport().toString());
                assertEquals(StopReason.END_OF_LOG, wal.recoveryReport().stopReason());
            }
            dataFile.putAll(collector.recordIdByPage);
            assertEquals(latest, dataFile);
        }
    }

    @Test
    void shouldFailEveryPendingAndLaterAppendAfterADatasyncFailureAndNeverRetryIt() throws Exception {
        try (SimulatedLogDirectory directory = simulated(5); Arena arena = Arena.ofShared();
             WriteAheadLog wal = WriteAheadLog.open(directory, CONFIG, PageReplayer.NONE)) {
            appendAndWait(wal, arena, 0, 0);
            SimulatedFile segment = directory.file(WalSegmentDescriptor.fileName(0));
            long syncsBefore = segment.flushes();
            segment.failNextFlushes(1);
            CompletableFuture<Long> doomed = wal.append(1, WalTestSupport.page(arena, PAGE, 1, 1));
            ExecutionException e = assertThrows(ExecutionException.class, () -> doomed.get(10, TimeUnit.SECONDS));
            assertInstanceOf(WalFailedException.class, e.getCause());
            QueuePairIoException injected = assertInstanceOf(QueuePairIoException.class, e.getCause().getCause(),
                    e.getCause().toString());
            assertTrue(injected.status() == IoStatus.IO_ERROR && injected.getMessage().contains("flush of"),
                    "the injected write fault of the flush: " + injected);
            assertNotEquals(null, wal.failure());
            for (int i = 2; i < 10; i++) {
                CompletableFuture<Long> later = wal.append(i, WalTestSupport.page(arena, PAGE, i, i));
                CompletionException ce = assertThrows(CompletionException.class, later::join);
                assertInstanceOf(WalFailedException.class, ce.getCause());
            }
            assertEquals(syncsBefore, segment.flushes(), "a failed fdatasync is never retried");
            assertThrows(WalFailedException.class, () -> wal.checkpoint(upTo -> { }));
        }
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)  // a tryAppend that waits never returns
    void shouldRefuseATryAppendWhileTheRingIsFullWithoutWaitingAndTakeItOnceThereIsRoom() throws Exception {
        try (SimulatedLogDirectory directory = simulated(12); Arena arena = Arena.ofShared();
             WriteAheadLog wal = WriteAheadLog.open(directory, CONFIG, PageReplayer.NONE)) {
            appendAndWait(wal, arena, 0, 0);
            SimulatedFile segment = directory.file(WalSegmentDescriptor.fileName(0));
            long[] pages = new long[1];
            MemorySegment[] images = new MemorySegment[1];
            List<FutureAppendCallback> taken = new ArrayList<>();
            FutureAppendCallback refused = null;
            // The controller holds the writer's next write unanswered, so the ring fills and stays full.
            segment.holdNextWrite();
            try {
                for (int i = 1; i <= 4 * CONFIG.ringSize() && refused == null; i++) {
                    pages[0] = i;
                    images[0] = WalTestSupport.page(arena, PAGE, i, i);
                    FutureAppendCallback callback = new FutureAppendCallback();
                    long start = System.nanoTime();
                    boolean accepted = wal.tryAppend(pages, images, 1, callback);
                    assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10), "tryAppend waited");
                    if (accepted) {
                        taken.add(callback);
                        if (i == 1) {
                            // The writer moves its ring sequence past the previous append only after that append's
                            // waiter was woken: once this append's write is held at the controller, the ring has
                            // exactly its size of room, and a refusal can only mean a full ring.
                            segment.awaitHeldWrite();
                        }
                    } else {
                        refused = callback;
                    }
                }
            } finally {
                segment.releaseHeld();
            }
            assertNotEquals(null, refused, "the ring never filled");
            assertTrue(taken.size() >= CONFIG.ringSize(),
                    taken.size() + " appends taken, ring of " + CONFIG.ringSize());
            for (FutureAppendCallback callback : taken) {
                callback.get(10, TimeUnit.SECONDS);
            }
            assertTrue(!refused.isDone(), "a refused append's callback is never told");
            pages[0] = 1;
            images[0] = WalTestSupport.page(arena, PAGE, 99, 1);
            // The writer tells a batch's callbacks before its consumer sequence moves on: room comes a moment later.
            long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!wal.tryAppend(pages, images, 1, refused)) {
                assertTrue(System.nanoTime() < giveUp, "no room in the ring 10 s after the writer moved on");
                Thread.onSpinWait();
            }
            refused.get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void shouldRefuseCheckpointsAfterAControlFileSyncFailure() throws IOException {
        try (SimulatedLogDirectory directory = simulated(10); Arena arena = Arena.ofShared();
             WriteAheadLog wal = WriteAheadLog.open(directory, CONFIG, PageReplayer.NONE)) {
            appendAndWait(wal, arena, 0, 0);
            long redo = wal.checkpoint(upTo -> { });
            directory.file(ControlFileDescriptor.FILE_NAME).failNextFlushes(1);
            appendAndWait(wal, arena, 1, 1);
            assertThrows(WalFailedException.class, () -> wal.checkpoint(upTo -> { }));
            assertThrows(WalFailedException.class, () -> wal.checkpoint(upTo -> { }), "never retried");
            assertEquals(redo, wal.redoLsn(), "the previous redo point stays in force");
            appendAndWait(wal, arena, 2, 2); // the log itself still works
        }
    }

    @Test
    void shouldFailAppendsAfterAWriteFailure() throws Exception {
        try (SimulatedLogDirectory directory = simulated(6); Arena arena = Arena.ofShared();
             WriteAheadLog wal = WriteAheadLog.open(directory, CONFIG, PageReplayer.NONE)) {
            directory.file(WalSegmentDescriptor.fileName(0)).failNextWrites(1);
            CompletionException e = assertThrows(CompletionException.class,
                    () -> wal.append(1, WalTestSupport.page(arena, PAGE, 1, 1)).join());
            assertInstanceOf(WalFailedException.class, e.getCause());
            assertThrows(CompletionException.class, () -> wal.append(2, WalTestSupport.page(arena, PAGE, 2, 2)).join());
        }
    }

    @Test
    void shouldRecoverWholeGroupsAndContinueAfterATornTail() throws IOException {
        // a 4 KiB write that never reached fdatasync, cut by a power failure: lost, on the media whole, or torn at a
        // 512-byte sector. Seeds until each has happened at least once.
        Set<String> fates = new HashSet<>();
        for (long seed = 7; fates.size() < 3; seed++) {
            assertTrue(seed < 100, "93 power cuts never showed every fate of the junk: " + fates);
            fates.add(recoverAfterAPowerCutTearsJunkBehindAGroup(seed));
        }
    }

    /** Returns what the power cut left of the junk written behind the group: "lost", "kept" or "torn". */
    private static String recoverAfterAPowerCutTearsJunkBehindAGroup(long seed) throws IOException {
        SimulatedLogDirectory firstLife = new SimulatedLogDirectory(
                SimulatedLogDirectory.Settings.of(seed, CONFIG.segmentSizeBytes()).withRandomWriteBack(true));
        try (Arena arena = Arena.ofShared()) {
            try (WriteAheadLog wal = WriteAheadLog.open(firstLife, CONFIG, PageReplayer.NONE)) {
                wal.appendGroup(new long[] {1, 2, 3}, new MemorySegment[] {WalTestSupport.page(arena, PAGE, 10, 1),
                        WalTestSupport.page(arena, PAGE, 10, 2), WalTestSupport.page(arena, PAGE, 10, 3)}).join();
            }
            long junkAt = WalSegmentDescriptor.HEADER_REGION_BYTES + 8192;
            try (LogDevice segment = firstLife.open(WalSegmentDescriptor.fileName(0), false)) {
                MemorySegment junk = arena.allocate(4096, 4096);
                junk.fill((byte) 0x5A);
                segment.write(junkAt, junk);
            }
            firstLife.powerFail();
            byte[] left = new byte[4096];
            firstLife.file(WalSegmentDescriptor.fileName(0)).device().readDurable(junkAt, left);
            SimulatedLogDirectory directory = firstLife.reopen();
            Collector first = new Collector();
            try (WriteAheadLog wal = WriteAheadLog.open(directory, CONFIG, first)) {
                assertEquals(3, wal.recoveryReport().pagesApplied(), "seed " + seed);
                wal.appendGroup(new long[] {3, 4}, new MemorySegment[] {WalTestSupport.page(arena, PAGE, 11, 3),
                        WalTestSupport.page(arena, PAGE, 11, 4)}).join();
            }
            Collector second = new Collector();
            try (WriteAheadLog wal = WriteAheadLog.open(directory, CONFIG, second)) {
                assertEquals(StopReason.END_OF_LOG, wal.recoveryReport().stopReason(),
                        "seed " + seed + ": " + wal.recoveryReport().detail());
            }
            assertEquals(Map.of(1L, 10L, 2L, 10L, 3L, 11L, 4L, 11L), second.recordIdByPage, "seed " + seed);
            int sectorsKept = 0;
            for (int sector = 0; sector < left.length / 512 && left[sector * 512] == 0x5A; sector++) {
                sectorsKept++;
            }
            return sectorsKept == 0 ? "lost" : sectorsKept == left.length / 512 ? "kept" : "torn";
        } finally {
            firstLife.close();
        }
    }

    @Test
    void shouldGroupConcurrentAppendsIntoFewerCommits() throws Exception {
        int threads = 8;
        int perThread = 200;
        WalConfig config = CONFIG.withSegmentSizeBytes(1 << 20);
        try (SimulatedLogDirectory directory = new SimulatedLogDirectory(
                SimulatedLogDirectory.Settings.of(8, config.segmentSizeBytes()));
             Arena arena = Arena.ofShared(); WriteAheadLog wal = WriteAheadLog.open(directory, config,
                PageReplayer.NONE)) {
            List<Thread> appenders = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                appenders.add(Thread.ofPlatform().start(() -> {
                    for (int i = 0; i < perThread; i++) {
                        long id = thread * 10_000L + i;
                        appendAndWait(wal, arena, id, id % 97);
                    }
                }));
            }
            for (Thread appender : appenders) {
                appender.join();
            }
            WalMetrics metrics = wal.metrics();
            assertEquals(threads * perThread, metrics.records());
            assertTrue(metrics.batches() <= metrics.records());
            assertTrue(metrics.meanBatchSize() >= 1.0);
            System.out.println("group commit with " + threads + " appenders on the simulated controller: " + metrics);
        }
    }

    @Test
    void shouldRejectInvalidAppendsAtTheBoundary() throws IOException {
        try (SimulatedLogDirectory directory = simulated(9); Arena arena = Arena.ofShared();
             WriteAheadLog wal = WriteAheadLog.open(directory, CONFIG, PageReplayer.NONE)) {
            IllegalArgumentException size = assertThrows(IllegalArgumentException.class,
                    () -> wal.append(1, arena.allocate(100)));
            assertTrue(size.getMessage().contains("100 bytes"), size.getMessage());
            assertThrows(IllegalArgumentException.class, () -> wal.append(-1, arena.allocate(PAGE)));
            assertThrows(IllegalArgumentException.class, () -> wal.appendGroup(new long[9], new MemorySegment[9]));
            assertThrows(IllegalArgumentException.class,
                    () -> new WalConfig(64 << 10, 3000, 8, 64, 12 << 10, 4096, 4096, 1));
            assertThrows(IllegalArgumentException.class,
                    () -> new WalConfig(64 << 10, 4096, 64, 64, 12 << 10, 4096, 4096, 1));
        }
    }
}

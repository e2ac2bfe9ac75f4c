package dev.pagestore.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.nvme.IoStatus;
import dev.pagestore.ipc.owner.OwnerThreadException;
import dev.pagestore.nvme.sim.NvmeOpcodes;
import dev.pagestore.nvme.sim.NvmeStatus;
import dev.pagestore.nvme.sim.SimulatedNvmeDevice;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The WAL on {@link SimulatedLogDirectory}: queue-pair ownership, injected flush errors, timeouts. */
class QueuePairWalTest {
    private static final long SEED = 0x51_0A11L;

    /** Records every handle the WAL opens, to look at who owns which queue pair. */
    private static final class RecordingDirectory extends ForwardingLogDirectory {
        final List<QueuePairLogDevice> opened = new CopyOnWriteArrayList<>();
        /** "name opened by thread, pinned to thread", as each handle was when it was opened. */
        final List<String> openedBy = new CopyOnWriteArrayList<>();

        RecordingDirectory(SimulatedLogDirectory inner) {
            super(inner);
        }

        @Override
        public LogDevice open(String name, boolean create) throws IOException {
            LogDevice device = super.open(name, create);
            QueuePairLogDevice handle = (QueuePairLogDevice) device;
            opened.add(handle);
            openedBy.add(name + " opened by " + Thread.currentThread().getName() + ", pinned to "
                    + (handle.ownerThread() == null ? "none" : handle.ownerThread().getName()));
            return device;
        }
    }

    private static SimulatedLogDirectory.Settings settings(WalConfig config) {
        return SimulatedLogDirectory.Settings.of(SEED, config.segmentSizeBytes());
    }

    @Test
    void shouldReadEachSegmentThroughOneQueuePairForTheScanAndOneForTheReplay() throws Exception {
        int pageSize = 4096;
        WalConfig config = WalConfig.defaults(pageSize).withSegmentSizeBytes(16 << 20);
        try (SimulatedLogDirectory simulated = new SimulatedLogDirectory(settings(config));
             Arena arena = Arena.ofShared()) {
            try (WriteAheadLog wal = WriteAheadLog.open(simulated, config, PageReplayer.NONE)) {
                long[] pages = new long[16];
                MemorySegment[] images = new MemorySegment[pages.length];
                for (int i = 0; i < pages.length; i++) {
                    pages[i] = i;
                    images[i] = WalTestSupport.page(arena, pageSize, 1, i);
                }
                List<CompletableFuture<Long>> appended = new ArrayList<>();
                for (int r = 0; r < 160; r++) { // 10 MiB: several of the reader's 4 MiB chunks
                    appended.add(wal.appendGroup(pages, images));
                }
                appended.forEach(CompletableFuture::join);
            }
            String segment = WalSegmentDescriptor.fileName(0);
            long before = simulated.queuePairsOpened(segment);
            RecoveryReport report = WalRecovery.recover(simulated, config, WalRecovery.redoLsn(simulated, config),
                    PageReplayer.NONE);
            assertEquals(160, report.recordsReplayed(), report.toString());
            assertTrue(report.bytesScanned() > 2 * (4L << 20), "the scan spans several chunks: " + report);
            assertEquals(2, simulated.queuePairsOpened(segment) - before,
                    "one queue pair for the scan's reads and one for the replay's, not one per chunk: " + report);
        }
    }

    @Test
    void shouldAppendThroughAQueuePairOwnedByTheWriterThreadAndRefuseAnyOtherThread() throws Exception {
        WalConfig config = WalTestSupport.smallConfig(SEED);
        try (SimulatedLogDirectory simulated = new SimulatedLogDirectory(settings(config));
             Arena arena = Arena.ofShared()) {
            RecordingDirectory directory = new RecordingDirectory(simulated);
            WriteAheadLog wal = WriteAheadLog.open(directory, config, PageReplayer.NONE);
            long lsn = wal.append(1, WalTestSupport.page(arena, config.pageSizeBytes(), 1, 1)).get(10, TimeUnit.SECONDS);

            // the segment preparer pins its handle of the next segment to itself while it fills it: not the writer's
            List<QueuePairLogDevice> pinned = directory.opened.stream()
                    .filter(d -> d.ownerThread() != null && !d.fileName().endsWith(".tmp")).toList();
            assertEquals(1, pinned.size(), "exactly the current segment is pinned: " + directory.opened);
            QueuePairLogDevice segment = pinned.getFirst();
            assertEquals("wal-writer", segment.ownerThread().getName());
            assertTrue(segment.queuePairMetrics().commandsSubmitted() >= 2,
                    "the writer wrote and flushed through its queue pair: " + segment.queuePairMetrics());
            QueuePairLogDevice control = directory.opened.stream()
                    .filter(d -> d.fileName().equals(ControlFileDescriptor.FILE_NAME)).findFirst().orElseThrow();
            assertNull(control.ownerThread(), "the control file is used by whichever thread checkpoints");

            OwnerThreadException refused = assertThrows(OwnerThreadException.class, segment::datasync);
            assertTrue(refused.ownerThread().contains("wal-writer"), refused.getMessage());
            assertTrue(refused.callerThread().contains(Thread.currentThread().getName()), refused.getMessage());
            MemorySegment block = arena.allocate(4096, 4096);
            assertThrows(OwnerThreadException.class, () -> segment.write(4096, block));
            assertThrows(OwnerThreadException.class, () -> segment.read(0, block));
            assertThrows(OwnerThreadException.class, segment::close);

            long next = wal.append(2, WalTestSupport.page(arena, config.pageSizeBytes(), 2, 2)).get(10, TimeUnit.SECONDS);
            assertTrue(next > lsn, "the refused calls did not disturb the writer");
            assertNull(wal.failure());
            wal.checkpoint(upTo -> { });
            wal.close();

            List<Long> recovered = new ArrayList<>();
            WalRecovery.recover(simulated, config, lsn, PageReplayer.NONE, (at, record) -> recovered.add(at));
            assertEquals(List.of(lsn, next), recovered);
        }
    }

    @Test
    void shouldPinEverySegmentTheWriterAppendsToAcrossRolloverToTheWriterThread() throws Exception {
        WalConfig config = WalTestSupport.smallConfig(SEED);
        try (SimulatedLogDirectory simulated = new SimulatedLogDirectory(settings(config));
             Arena arena = Arena.ofShared()) {
            RecordingDirectory directory = new RecordingDirectory(simulated);
            WriteAheadLog wal = WriteAheadLog.open(directory, config, PageReplayer.NONE);
            int records = (int) (3 * config.segmentSizeBytes() / config.pageSizeBytes());
            List<CompletableFuture<Long>> futures = new ArrayList<>();
            for (int i = 0; i < records; i++) {
                futures.add(wal.append(i % 50, WalTestSupport.page(arena, config.pageSizeBytes(), i, i % 50)));
            }
            for (CompletableFuture<Long> future : futures) {
                future.get(30, TimeUnit.SECONDS);
            }
            long lastSegment = futures.getLast().join() / config.segmentSizeBytes();
            assertTrue(lastSegment >= 2, "the log rolled over: last segment " + lastSegment);
            long pinnedSegments = 0;
            long preparedAhead = 0;
            for (String opening : directory.openedBy) {
                if (opening.contains("opened by wal-writer")) {
                    assertTrue(opening.endsWith("pinned to wal-writer"), opening);
                    pinnedSegments++;
                } else {
                    // the opener's handles, and the preparer's as opened (it then pins each to itself for the fill
                    // and closes it): none is handed to the writer pinned to another thread
                    assertTrue(opening.endsWith("pinned to none"), opening);
                    preparedAhead += opening.contains("opened by wal-segment-preparer") ? 1 : 0;
                }
            }
            assertTrue(pinnedSegments >= lastSegment, "every segment the writer switched to was pinned to it: "
                    + directory.openedBy);
            assertTrue(preparedAhead >= lastSegment, "the next segments were prepared ahead, off the writer thread: "
                    + directory.openedBy);
            wal.close();
            long[] count = {0};
            WalRecovery.recover(simulated, config, futures.getFirst().join(), PageReplayer.NONE,
                    (at, record) -> count[0]++);
            assertEquals(records, count[0]);
        }
    }

    @Test
    void shouldFailEveryPendingAndLaterAppendAfterAnInjectedFlushErrorWithoutRetryingTheFlush() throws Exception {
        WalConfig config = WalTestSupport.smallConfig(SEED);
        try (SimulatedLogDirectory directory = new SimulatedLogDirectory(settings(config));
             Arena arena = Arena.ofShared()) {
            WriteAheadLog wal = WriteAheadLog.open(directory, config, PageReplayer.NONE);
            wal.append(1, WalTestSupport.page(arena, config.pageSizeBytes(), 1, 1)).get(10, TimeUnit.SECONDS);
            long durable = wal.durableLsn();
            SimulatedNvmeDevice segment = directory.simulatedDevice(WalSegmentDescriptor.fileName(0));
            assertNotNull(segment, "segment 0 exists");
            segment.faults().failNext(NvmeOpcodes.FLUSH, 1, NvmeStatus.withDoNotRetry(NvmeStatus.WRITE_FAULT));

            List<CompletableFuture<Long>> futures = new CopyOnWriteArrayList<>();
            List<Thread> appenders = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                int thread = t;
                appenders.add(Thread.ofPlatform().start(() -> {
                    for (int i = 0; i < 20; i++) {
                        long id = 100 + thread * 20 + i;
                        futures.add(wal.append(id % 30, WalTestSupport.page(arena, config.pageSizeBytes(), id, id % 30)));
                    }
                }));
            }
            for (Thread appender : appenders) {
                appender.join();
            }
            for (CompletableFuture<Long> future : futures) {
                CompletionException e = assertThrows(CompletionException.class, future::join);
                assertInstanceOf(WalFailedException.class, e.getCause());
            }
            WalFailedException failure = wal.failure();
            assertNotNull(failure);
            QueuePairIoException cause = assertInstanceOf(QueuePairIoException.class, failure.getCause(),
                    "the flush's status is the cause");
            assertEquals(IoStatus.IO_ERROR, cause.status());
            CompletionException later = assertThrows(CompletionException.class,
                    () -> wal.append(7, WalTestSupport.page(arena, config.pageSizeBytes(), 999, 7)).join());
            assertInstanceOf(WalFailedException.class, later.getCause());
            assertThrows(WalFailedException.class, () -> wal.checkpoint(upTo -> { }));
            assertEquals(1, segment.faults().injectedCount(), "the failed flush was not retried");
            assertEquals(durable, wal.durableLsn(), "the durable LSN did not move past the failed flush");
            wal.close();
        }
    }

    @Test
    void shouldFailTheWalWithATypedTimeoutWhenAFlushNeverCompletes() throws Exception {
        WalConfig config = WalTestSupport.smallConfig(SEED);
        SimulatedLogDirectory.Settings settings = settings(config)
                .withDevice(QueuePairLogDevice.Settings.defaults().withTimeoutNanos(200_000_000L));
        try (SimulatedLogDirectory directory = new SimulatedLogDirectory(settings);
             Arena arena = Arena.ofShared()) {
            WriteAheadLog wal = WriteAheadLog.open(directory, config, PageReplayer.NONE);
            wal.append(1, WalTestSupport.page(arena, config.pageSizeBytes(), 1, 1)).get(10, TimeUnit.SECONDS);
            SimulatedNvmeDevice segment = directory.simulatedDevice(WalSegmentDescriptor.fileName(0));
            segment.faults().holdNext(NvmeOpcodes.FLUSH, 1);

            CompletableFuture<Long> held = wal.append(2, WalTestSupport.page(arena, config.pageSizeBytes(), 2, 2));
            ExecutionException e = assertThrows(ExecutionException.class, () -> held.get(10, TimeUnit.SECONDS));
            WalFailedException failure = assertInstanceOf(WalFailedException.class, e.getCause());
            assertInstanceOf(QueuePairTimeoutException.class, failure.getCause(), failure.toString());
            wal.close(); // the writer's queue pair drains the held flush for a bounded time, then aborts it
            segment.faults().releaseHeld();
        }
    }
}

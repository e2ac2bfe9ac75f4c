package dev.pagestore.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.ipc.linux.Errno;
import dev.pagestore.ipc.linux.ErrnoException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A full disk is not a failed log: no space for the next segment fails only the appends that need it, a log that
 * ends where a new segment must begin opens without making it, and appends succeed again once space is back or a
 * checkpoint hands a segment back (issue 14).
 */
class NoSpaceTest {
    private static final WalConfig CONFIG = WalTestSupport.smallConfig(41);
    private static final int PAGE = CONFIG.pageSizeBytes();

    @RegisterExtension
    final SimulatedMachines machines = new SimulatedMachines();

    /**
     * The simulated controller as the log's disk, files as large as a segment, on a file system that can be full
     * ({@link SimulatedLogDirectory#fileSystemFull}: {@code fallocate} of new space fails with {@code ENOSPC}, writes
     * into space a file already has succeed); closed after the test.
     */
    private SimulatedLogDirectory simulated(long seed) {
        return machines.make(seed, CONFIG.segmentSizeBytes());
    }

    private static long appendNoSpace(WriteAheadLog wal, Arena arena, int id) {
        return wal.append(id, WalTestSupport.page(arena, PAGE, id, id)).handle((lsn, failure) -> {
            if (failure == null) {
                return lsn;
            }
            Throwable cause = failure instanceof java.util.concurrent.CompletionException ? failure.getCause()
                    : failure;
            if (cause instanceof WalNoSpaceException) {
                return -1L;
            }
            throw new AssertionError("expected no space or success, got " + cause, cause);
        }).join();
    }

    @Test
    void shouldRefuseOnlyTheAppendsThatNeedANewSegmentAndAcceptThemAgainOnceSpaceIsBack() throws Exception {
        SimulatedLogDirectory directory = simulated(41);
        List<Long> acknowledged = new ArrayList<>();
        try (Arena arena = Arena.ofShared(); WriteAheadLog wal = WriteAheadLog.open(directory, CONFIG,
                PageReplayer.NONE)) {
            acknowledged.add(wal.appendAndWait(0, WalTestSupport.page(arena, PAGE, 0, 0))); // segment 0 exists
            awaitFile(directory, WalSegmentDescriptor.fileName(1)); // and segment 1, prepared ahead, before it fills
            directory.fileSystemFull(true);
            int id = 1;
            long lsn;
            while ((lsn = appendNoSpace(wal, arena, id)) >= 0) {
                acknowledged.add(lsn);
                id++;
            }
            assertTrue(wal.outOfSpace(), "the log knows it is out of space");
            assertNull(wal.failure(), "no space is not a failed log");
            assertEquals(1, acknowledged.getLast() / CONFIG.segmentSizeBytes(),
                    "the log filled segment 1, prepared before the disk filled, and could make no segment 2");
            for (int again = 0; again < 5; again++) {
                assertEquals(-1L, appendNoSpace(wal, arena, id), "refused while the disk stays full");
            }
            assertTrue(wal.metrics().appendsRefusedForSpace() >= 6, wal.metrics().toString());

            directory.fileSystemFull(false); // space freed: no restart
            lsn = appendNoSpace(wal, arena, id);
            assertEquals(2, lsn / CONFIG.segmentSizeBytes(), "the refused append now goes to segment 2");
            acknowledged.add(lsn);
            assertFalse(wal.outOfSpace());
        }
        try (WriteAheadLog wal = WriteAheadLog.open(directory, CONFIG, PageReplayer.NONE)) {
            assertEquals(acknowledged.size(), wal.recoveryReport().recordsReplayed() - 2,
                    "every acknowledged record, plus the end records of segments 0 and 1: " + wal.recoveryReport());
            assertEquals(StopReason.END_OF_LOG, wal.recoveryReport().stopReason());
        }
    }

    @Test
    void shouldOpenALogThatEndsWhereANewSegmentMustBeginWithoutMakingIt() throws Exception {
        SimulatedLogDirectory directory = simulated(42);
        long records = 0;
        try (Arena arena = Arena.ofShared()) {
            try (WriteAheadLog wal = WriteAheadLog.open(directory, CONFIG, PageReplayer.NONE)) {
                long lsn = 0;
                for (int id = 0; lsn / CONFIG.segmentSizeBytes() < 1; id++) {
                    lsn = wal.appendAndWait(id, WalTestSupport.page(arena, PAGE, id, id));
                    records++;
                }
            }
            // The log ends with segment 0's end record, and segment 1 (with the one record that reached it) and the
            // one prepared after it are gone: a log that stops where a new segment must begin, on a full disk. Only a
            // pagestore that wrote SEGMENT_END before it made the next segment left such a log; its end record lacks
            // FLAG_NEXT_SEGMENT_DURABLE (with the flag, the missing segment is a lost one: MissingSegmentTest).
            records--;
            directory.delete(WalSegmentDescriptor.fileName(1));
            directory.delete(WalSegmentDescriptor.fileName(2));
            MissingSegmentTest.clearNextSegmentFlag(directory, WalSegmentDescriptor.fileName(0), CONFIG);
            directory.fileSystemFull(true);
            List<Long> pages = new ArrayList<>();
            try (WriteAheadLog wal = WriteAheadLog.open(directory, CONFIG, (page, image, lsn) -> pages.add(page))) {
                assertEquals(StopReason.END_OF_LOG, wal.recoveryReport().stopReason(), wal.recoveryReport().toString());
                assertEquals(records, pages.size(), "recovery applied segment 0's pages: " + wal.recoveryReport());
                assertFalse(directory.list().contains(WalSegmentDescriptor.fileName(1)), "open did not make segment 1");
                assertEquals(-1L, appendNoSpace(wal, arena, 99), "no room for segment 1 yet");
                directory.fileSystemFull(false);
                assertEquals(1, appendNoSpace(wal, arena, 99) / CONFIG.segmentSizeBytes());
            }
        }
    }

    @Test
    void shouldRecycleASegmentFreedByACheckpointWhileTheDiskStaysFull() throws Exception {
        SimulatedLogDirectory directory = simulated(43);
        try (Arena arena = Arena.ofShared(); WriteAheadLog wal = WriteAheadLog.open(directory, CONFIG,
                PageReplayer.NONE)) {
            long lsn = 0;
            int id = 0;
            while (lsn / CONFIG.segmentSizeBytes() < 1) { // into segment 1; segment 2 may be prepared ahead
                lsn = wal.appendAndWait(id, WalTestSupport.page(arena, PAGE, id, id));
                id++;
            }
            directory.fileSystemFull(true);
            while ((lsn = appendNoSpace(wal, arena, id)) >= 0) {
                id++;
            }
            long refusedIn = wal.durableLsn() / CONFIG.segmentSizeBytes();
            long zeroFilled = wal.metrics().segmentsZeroFilled();
            wal.checkpoint(redo -> { }); // nothing to flush here: segments wholly before the redo point come back
            assertTrue(wal.spareSegmentCount() > 0, "the checkpoint handed back a segment");
            lsn = appendNoSpace(wal, arena, id);
            assertEquals(refusedIn + 1, lsn / CONFIG.segmentSizeBytes(),
                    "the append goes on into a recycled segment with the disk still full");
            assertTrue(wal.metrics().segmentsRecycled() >= 1, wal.metrics().toString());
            assertEquals(zeroFilled, wal.metrics().segmentsZeroFilled(), "no new segment was made: "
                    + wal.metrics());
        }
    }

    @Test
    void shouldKeepTheRedoPointOutOfASegmentNotYetMade() throws Exception {
        SimulatedLogDirectory directory = simulated(44);
        long redoBefore;
        try (Arena arena = Arena.ofShared()) {
            try (WriteAheadLog wal = WriteAheadLog.open(directory, CONFIG, PageReplayer.NONE)) {
                long lsn = 0;
                for (int id = 0; lsn / CONFIG.segmentSizeBytes() < 1; id++) {
                    lsn = wal.appendAndWait(id, WalTestSupport.page(arena, PAGE, id, id));
                }
                redoBefore = wal.redoLsn();
            }
            directory.delete(WalSegmentDescriptor.fileName(1));
            directory.delete(WalSegmentDescriptor.fileName(2));
            MissingSegmentTest.clearNextSegmentFlag(directory, WalSegmentDescriptor.fileName(0), CONFIG);
            directory.fileSystemFull(true);
            try (WriteAheadLog wal = WriteAheadLog.open(directory, CONFIG, PageReplayer.NONE)) {
                assertEquals(CONFIG.segmentSizeBytes() + WalSegmentDescriptor.HEADER_REGION_BYTES, wal.durableLsn(),
                        "the log resumes where segment 1 must begin");
                // what a manager does after recovery, and every second while out of space
                long redo = wal.checkpoint(upTo -> { });
                assertEquals(redoBefore, redo, "no redo point in segment 1, which does not exist");
                assertEquals(redoBefore, wal.redoLsn());
            }
            try (WriteAheadLog wal = WriteAheadLog.open(directory, CONFIG, PageReplayer.NONE)) {
                assertEquals(StopReason.END_OF_LOG, wal.recoveryReport().stopReason(),
                        "a restart still finds the log ending where segment 1 must begin, not a lost redo segment: "
                                + wal.recoveryReport());
                directory.fileSystemFull(false);
                assertEquals(1, appendNoSpace(wal, arena, 99) / CONFIG.segmentSizeBytes());
                long redo = wal.checkpoint(upTo -> { });
                assertEquals(1, redo / CONFIG.segmentSizeBytes(), "once segment 1 is made, the redo point moves in");
            }
            try (WriteAheadLog wal = WriteAheadLog.open(directory, CONFIG, PageReplayer.NONE)) {
                assertEquals(StopReason.END_OF_LOG, wal.recoveryReport().stopReason(), wal.recoveryReport().toString());
            }
        }
    }

    @Test
    void shouldCreateNoLogWithoutRoomForItsFirstSegment() throws Exception {
        SimulatedLogDirectory directory = simulated(45);
        directory.fileSystemFull(true);
        assertThrows(WalNoSpaceException.class, () -> WriteAheadLog.open(directory, CONFIG, PageReplayer.NONE));
        assertEquals(List.of(), directory.list(), "no control file naming a redo point in a segment that was never made");
        directory.fileSystemFull(false);
        try (WriteAheadLog wal = WriteAheadLog.open(directory, CONFIG, PageReplayer.NONE)) {
            assertEquals(StopReason.END_OF_LOG, wal.recoveryReport().stopReason());
            assertTrue(directory.list().contains(WalSegmentDescriptor.fileName(0)));
        }
    }

    private static void awaitFile(LogDirectory directory, String name) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!directory.list().contains(name)) {
            assertTrue(System.nanoTime() < deadline, name + " did not appear: " + directory.list());
            Thread.sleep(5);
        }
    }

    @Test
    void shouldTellNoSpaceFromOtherFailures() {
        assertTrue(WalNoSpaceException.isNoSpace(new IOException("preparing",
                new ErrnoException("fallocate", "x", Errno.EDQUOT.number()))));
        assertTrue(WalNoSpaceException.isNoSpace(new QueuePairIoException("write x",
                dev.pagestore.nvme.IoStatus.NO_SPACE, 0)));
        assertFalse(WalNoSpaceException.isNoSpace(new ErrnoException("fallocate", "x", Errno.EIO.number())));
        assertFalse(WalNoSpaceException.isNoSpace(new IOException("injected ENOSPC")), "only typed causes count");
    }
}

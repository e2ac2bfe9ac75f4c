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
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A full disk is not a failed log: no space for the next segment fails only the appends that need it, a log that
 * ends where a new segment must begin opens without making it, and appends succeed again once space is back or a
 * checkpoint hands a segment back (issue 14).
 */
class NoSpaceTest {
    private static final WalConfig CONFIG = WalTestSupport.smallConfig(41);
    private static final int PAGE = CONFIG.pageSizeBytes();

    /**
     * A {@link FaultyLogDirectory} on a disk that can be full: while {@link #full} is set, preallocating a new file
     * fails with {@code ENOSPC} as {@code fallocate(2)} does. Writes into space a file already has still succeed.
     */
    private static final class DiskThatFills extends ForwardingLogDirectory {
        volatile boolean full;

        DiskThatFills(FaultyLogDirectory inner) {
            super(inner);
        }

        @Override
        public LogDevice open(String name, boolean create) throws IOException {
            LogDevice device = super.open(name, create);
            return new LogDevice() {
                @Override
                public void write(long offset, MemorySegment source) throws IOException {
                    device.write(offset, source);
                }

                @Override
                public long read(long offset, MemorySegment destination) throws IOException {
                    return device.read(offset, destination);
                }

                @Override
                public void datasync() throws IOException {
                    device.datasync();
                }

                @Override
                public long size() throws IOException {
                    return device.size();
                }

                @Override
                public void preallocate(long sizeBytes) throws IOException {
                    if (full) {
                        throw new ErrnoException("fallocate", name + " to " + sizeBytes + " bytes",
                                Errno.ENOSPC.number());
                    }
                    device.preallocate(sizeBytes);
                }

                @Override
                public void truncate(long sizeBytes) throws IOException {
                    device.truncate(sizeBytes);
                }

                @Override
                public void close() throws IOException {
                    device.close();
                }
            };
        }
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
        FaultyLogDirectory faulty = new FaultyLogDirectory(41);
        DiskThatFills directory = new DiskThatFills(faulty);
        List<Long> acknowledged = new ArrayList<>();
        try (Arena arena = Arena.ofShared(); WriteAheadLog wal = WriteAheadLog.open(directory, CONFIG,
                PageReplayer.NONE)) {
            acknowledged.add(wal.appendAndWait(0, WalTestSupport.page(arena, PAGE, 0, 0))); // segment 0 exists
            awaitFile(faulty, WalSegmentDescriptor.fileName(1)); // and segment 1, prepared ahead, before the disk fills
            directory.full = true;
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

            directory.full = false; // space freed: no restart
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
        FaultyLogDirectory faulty = new FaultyLogDirectory(42);
        long records = 0;
        try (Arena arena = Arena.ofShared()) {
            try (WriteAheadLog wal = WriteAheadLog.open(faulty, CONFIG, PageReplayer.NONE)) {
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
            faulty.delete(WalSegmentDescriptor.fileName(1));
            faulty.delete(WalSegmentDescriptor.fileName(2));
            MissingSegmentTest.clearNextSegmentFlag(faulty.device(WalSegmentDescriptor.fileName(0)), CONFIG);
            DiskThatFills directory = new DiskThatFills(faulty);
            directory.full = true;
            List<Long> pages = new ArrayList<>();
            try (WriteAheadLog wal = WriteAheadLog.open(directory, CONFIG, (page, image, lsn) -> pages.add(page))) {
                assertEquals(StopReason.END_OF_LOG, wal.recoveryReport().stopReason(), wal.recoveryReport().toString());
                assertEquals(records, pages.size(), "recovery applied segment 0's pages: " + wal.recoveryReport());
                assertFalse(faulty.list().contains(WalSegmentDescriptor.fileName(1)), "open did not make segment 1");
                assertEquals(-1L, appendNoSpace(wal, arena, 99), "no room for segment 1 yet");
                directory.full = false;
                assertEquals(1, appendNoSpace(wal, arena, 99) / CONFIG.segmentSizeBytes());
            }
        }
    }

    @Test
    void shouldRecycleASegmentFreedByACheckpointWhileTheDiskStaysFull() throws Exception {
        DiskThatFills directory = new DiskThatFills(new FaultyLogDirectory(43));
        try (Arena arena = Arena.ofShared(); WriteAheadLog wal = WriteAheadLog.open(directory, CONFIG,
                PageReplayer.NONE)) {
            long lsn = 0;
            int id = 0;
            while (lsn / CONFIG.segmentSizeBytes() < 1) { // into segment 1; segment 2 may be prepared ahead
                lsn = wal.appendAndWait(id, WalTestSupport.page(arena, PAGE, id, id));
                id++;
            }
            directory.full = true;
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
        FaultyLogDirectory faulty = new FaultyLogDirectory(44);
        long redoBefore;
        try (Arena arena = Arena.ofShared()) {
            try (WriteAheadLog wal = WriteAheadLog.open(faulty, CONFIG, PageReplayer.NONE)) {
                long lsn = 0;
                for (int id = 0; lsn / CONFIG.segmentSizeBytes() < 1; id++) {
                    lsn = wal.appendAndWait(id, WalTestSupport.page(arena, PAGE, id, id));
                }
                redoBefore = wal.redoLsn();
            }
            faulty.delete(WalSegmentDescriptor.fileName(1));
            faulty.delete(WalSegmentDescriptor.fileName(2));
            MissingSegmentTest.clearNextSegmentFlag(faulty.device(WalSegmentDescriptor.fileName(0)), CONFIG);
            DiskThatFills directory = new DiskThatFills(faulty);
            directory.full = true;
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
                directory.full = false;
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
        FaultyLogDirectory faulty = new FaultyLogDirectory(45);
        DiskThatFills directory = new DiskThatFills(faulty);
        directory.full = true;
        assertThrows(WalNoSpaceException.class, () -> WriteAheadLog.open(directory, CONFIG, PageReplayer.NONE));
        assertEquals(List.of(), faulty.list(), "no control file naming a redo point in a segment that was never made");
        directory.full = false;
        try (WriteAheadLog wal = WriteAheadLog.open(directory, CONFIG, PageReplayer.NONE)) {
            assertEquals(StopReason.END_OF_LOG, wal.recoveryReport().stopReason());
            assertTrue(faulty.list().contains(WalSegmentDescriptor.fileName(0)));
        }
    }

    private static void awaitFile(FaultyLogDirectory directory, String name) throws Exception {
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

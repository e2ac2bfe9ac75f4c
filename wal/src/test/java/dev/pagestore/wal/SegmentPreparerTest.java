package dev.pagestore.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The next segment is prepared ahead, off the writer thread ({@link SegmentPreparer}). */
class SegmentPreparerTest {
    private static final WalConfig CONFIG = WalTestSupport.smallConfig(31);
    private static final int PAGE = CONFIG.pageSizeBytes();

    @RegisterExtension
    final SimulatedMachines machines = new SimulatedMachines();

    /** The simulated controller as the log's disk, files of {@code fileCapacityBytes}; closed after the test. */
    private SimulatedLogDirectory simulated(long seed, long fileCapacityBytes) {
        return machines.make(seed, fileCapacityBytes);
    }

    private SimulatedLogDirectory simulated(long seed) {
        return simulated(seed, CONFIG.segmentSizeBytes());
    }

    /**
     * Delegates to a {@link SimulatedLogDirectory}, refusing to create one file name the first {@code refusals} times
     * with an untyped {@link IOException} (which the log must treat as final; a typed {@code ENOSPC} is not:
     * {@link NoSpaceTest}), and making every write to a temporary file take {@code tempWriteMillis}.
     */
    private static final class RefusingDirectory extends ForwardingLogDirectory {
        final String refused;
        final java.util.concurrent.atomic.AtomicInteger refusals;
        final long tempWriteMillis;

        RefusingDirectory(LogDirectory inner, String refused, int refusals, long tempWriteMillis) {
            super(inner);
            this.refused = refused;
            this.refusals = new java.util.concurrent.atomic.AtomicInteger(refusals);
            this.tempWriteMillis = tempWriteMillis;
        }

        @Override
        public LogDevice open(String name, boolean create) throws IOException {
            if (create && name.equals(refused) && refusals.getAndDecrement() > 0) {
                throw new IOException("injected ENOSPC creating " + name);
            }
            LogDevice device = super.open(name, create);
            return name.endsWith(".tmp") && tempWriteMillis > 0 ? new SlowWrites(device, tempWriteMillis) : device;
        }

        @Override
        public String describe() {
            return "refusing " + refused + " in " + super.describe();
        }
    }

    /**
     * A device whose writes each take a while in wall-clock time (the simulated controller's latency is counted in
     * polls): a slow disk under a segment being prepared.
     */
    private record SlowWrites(LogDevice inner, long writeMillis) implements LogDevice {
        @Override
        public void write(long offset, java.lang.foreign.MemorySegment source) throws IOException {
            try {
                Thread.sleep(writeMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            inner.write(offset, source);
        }

        @Override
        public long read(long offset, java.lang.foreign.MemorySegment destination) throws IOException {
            return inner.read(offset, destination);
        }

        @Override
        public void datasync() throws IOException {
            inner.datasync();
        }

        @Override
        public long size() throws IOException {
            return inner.size();
        }

        @Override
        public void preallocate(long sizeBytes) throws IOException {
            inner.preallocate(sizeBytes);
        }

        @Override
        public void truncate(long sizeBytes) throws IOException {
            inner.truncate(sizeBytes);
        }

        @Override
        public void transferOwnership(Thread next) {
            inner.transferOwnership(next);
        }

        @Override
        public void close() throws IOException {
            inner.close();
        }
    }

    @Test
    void shouldPrepareTheSegmentAgainAtTheSwitchWhenThePreparationAheadFailed() throws Exception {
        RefusingDirectory directory = new RefusingDirectory(simulated(33), WalSegmentDescriptor.fileName(1) + ".tmp",
                1, 0);
        try (Arena arena = Arena.ofShared(); WriteAheadLog wal = WriteAheadLog.open(directory, CONFIG,
                PageReplayer.NONE)) {
            long lsn = -1;
            for (int i = 0; lsn / CONFIG.segmentSizeBytes() < 2; i++) { // on into segment 2
                lsn = wal.appendAndWait(i, WalTestSupport.page(arena, PAGE, i, i));
            }
            assertEquals(null, wal.failure(), "a failed preparation ahead is not a failed log");
        }
    }

    @Test
    void shouldCancelAPreparationInProgressWhenTheLogCloses() throws Exception {
        String next = WalSegmentDescriptor.fileName(1);
        WalConfig config = CONFIG.withSegmentSizeBytes(8 << 20);
        SimulatedLogDirectory machine = simulated(34, config.segmentSizeBytes());
        // 8 chunks of 1 MiB at 200 ms each: the preparation of segment 1 is still running when close is called
        RefusingDirectory directory = new RefusingDirectory(machine, "none", 0, 200);
        WriteAheadLog wal = WriteAheadLog.open(directory, config, PageReplayer.NONE);
        try (Arena arena = Arena.ofShared()) {
            wal.appendAndWait(1, WalTestSupport.page(arena, PAGE, 1, 1));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!machine.list().contains(next + ".tmp") && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertTrue(machine.list().contains(next + ".tmp"), "segment 1 is being prepared: " + machine.list());
        long started = System.nanoTime();
        wal.close();
        long closeMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertTrue(!machine.list().contains(next) && !machine.list().contains(next + ".tmp"),
                "the cancelled preparation left nothing behind: " + machine.list());
        assertTrue(closeMillis < 1_000, "close waited " + closeMillis + " ms, as for the whole 1.6 s preparation");
    }

    @Test
    void shouldPrepareTheNextSegmentBeforeTheLogReachesIt() throws Exception {
        SimulatedLogDirectory directory = simulated(31);
        String next = WalSegmentDescriptor.fileName(1);
        try (Arena arena = Arena.ofShared(); WriteAheadLog wal = WriteAheadLog.open(directory, CONFIG,
                PageReplayer.NONE)) {
            long lsn = wal.appendAndWait(7, WalTestSupport.page(arena, PAGE, 7, 7));
            assertEquals(0, lsn / CONFIG.segmentSizeBytes(), "the record is in segment 0");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!directory.list().contains(next) && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertTrue(directory.list().contains(next), "segment 1 exists before any record needs it: "
                    + directory.list());
            assertEquals(0, wal.durableLsn() / CONFIG.segmentSizeBytes(), "the log is still in segment 0");
        }
    }

    @Test
    void shouldFailTheLogAtTheSwitchWhenTheNextSegmentCouldNotBePrepared() throws Exception {
        RefusingDirectory directory = new RefusingDirectory(simulated(32), WalSegmentDescriptor.fileName(1) + ".tmp",
                Integer.MAX_VALUE, 0);
        try (Arena arena = Arena.ofShared(); WriteAheadLog wal = WriteAheadLog.open(directory, CONFIG,
                PageReplayer.NONE)) {
            long lastGood = -1;
            WalFailedException failure = null;
            for (int i = 0; i < 10_000 && failure == null; i++) { // far more than one segment holds
                try {
                    lastGood = wal.appendAndWait(i, WalTestSupport.page(arena, PAGE, i, i));
                } catch (WalFailedException e) {
                    failure = e;
                }
            }
            assertInstanceOf(WalFailedException.class, failure, "the switch to the unprepared segment fails the log");
            assertTrue(String.valueOf(rootMessage(failure)).contains("injected ENOSPC"), rootMessage(failure));
            assertTrue(chainMentions(failure, "preparing segment 1 failed ahead and again at the switch"),
                    "the failure names the segment and both attempts: " + failure);
            assertEquals(0, lastGood / CONFIG.segmentSizeBytes(), "every acknowledged record is in segment 0");
            assertThrows(WalFailedException.class, () -> wal.appendAndWait(1, WalTestSupport.page(arena, PAGE, 1, 1)),
                    "and the log stays failed");
        }
    }

    @Test
    void shouldResaltTheSegmentPreparedAheadInPlaceWhenTheLogIsReopenedInsteadOfMakingItAnew() throws Exception {
        SimulatedLogDirectory machine = simulated(35);
        String next = WalSegmentDescriptor.fileName(1);
        int appended = 0;
        try (Arena arena = Arena.ofShared()) {
            try (WriteAheadLog wal = WriteAheadLog.open(machine, CONFIG, PageReplayer.NONE)) {
                wal.appendAndWait(appended, WalTestSupport.page(arena, PAGE, appended, appended));
                appended++;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (!machine.list().contains(next) && System.nanoTime() < deadline) {
                    Thread.sleep(5);
                }
                assertTrue(machine.list().contains(next), "segment 1 was prepared ahead: " + machine.list());
            }
            int saltBefore = headerSalt(machine, next);
            // from here on a new file for segment 1 cannot be made: only the one prepared ahead can serve
            RefusingDirectory refusing = new RefusingDirectory(machine, next + ".tmp", Integer.MAX_VALUE, 0);
            try (WriteAheadLog wal = WriteAheadLog.open(refusing, CONFIG, PageReplayer.NONE)) {
                long lsn = -1;
                while (lsn / CONFIG.segmentSizeBytes() < 1) { // on into segment 1
                    lsn = wal.appendAndWait(appended, WalTestSupport.page(arena, PAGE, appended, appended));
                    appended++;
                }
                assertEquals(null, wal.failure(), "segment 1 served without being made anew");
                assertEquals(1, wal.metrics().segmentsResalted(), "and counted as re-salted: " + wal.metrics());
            }
            assertTrue(saltBefore != headerSalt(machine, next), "segment 1 was given a new salt");
            try (WriteAheadLog wal = WriteAheadLog.open(machine, CONFIG, PageReplayer.NONE)) {
                assertEquals(appended, wal.recoveryReport().pageImagesScanned(), "every record is recovered: "
                        + wal.recoveryReport());
            }
        }
    }

    private static int headerSalt(LogDirectory directory, String name) throws IOException {
        try (Arena arena = Arena.ofConfined(); LogDevice device = directory.open(name, false)) {
            java.lang.foreign.MemorySegment block = arena.allocate(WalSegmentDescriptor.HEADER_REGION_BYTES, 4096);
            device.read(0, block);
            return WalSegmentDescriptor.salt(block);
        }
    }

    private static String rootMessage(Throwable t) {
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage();
    }

    private static boolean chainMentions(Throwable t, String text) {
        for (; t != null; t = t.getCause()) {
            if (String.valueOf(t.getMessage()).contains(text)) {
                return true;
            }
        }
        return false;
    }
}

package dev.pagestore.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The next segment is prepared ahead, off the writer thread ({@link SegmentPreparer}). */
class SegmentPreparerTest {
    private static final WalConfig CONFIG = WalTestSupport.smallConfig(31);
    private static final int PAGE = CONFIG.pageSizeBytes();

    /** Delegates to a {@link FaultyLogDirectory}, refusing to create one file name (a full disk, say). */
    private static final class RefusingDirectory implements LogDirectory {
        final FaultyLogDirectory inner;
        final String refused;

        RefusingDirectory(FaultyLogDirectory inner, String refused) {
            this.inner = inner;
            this.refused = refused;
        }

        @Override
        public List<String> list() throws IOException {
            return inner.list();
        }

        @Override
        public LogDevice open(String name, boolean create) throws IOException {
            if (create && name.equals(refused)) {
                throw new IOException("injected ENOSPC creating " + name);
            }
            return inner.open(name, create);
        }

        @Override
        public void rename(String from, String to) throws IOException {
            inner.rename(from, to);
        }

        @Override
        public void delete(String name) throws IOException {
            inner.delete(name);
        }

        @Override
        public void sync() throws IOException {
            inner.sync();
        }

        @Override
        public String describe() {
            return "refusing " + refused + " in " + inner.describe();
        }
    }

    @Test
    void shouldPrepareTheNextSegmentBeforeTheLogReachesIt() throws Exception {
        FaultyLogDirectory directory = new FaultyLogDirectory(31);
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
        FaultyLogDirectory faulty = new FaultyLogDirectory(32);
        RefusingDirectory directory = new RefusingDirectory(faulty, WalSegmentDescriptor.fileName(1) + ".tmp");
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
            assertTrue(chainMentions(failure, "preparing segment 1"), "the failure names the segment: " + failure);
            assertEquals(0, lastGood / CONFIG.segmentSizeBytes(), "every acknowledged record is in segment 0");
            assertThrows(WalFailedException.class, () -> wal.appendAndWait(1, WalTestSupport.page(arena, PAGE, 1, 1)),
                    "and the log stays failed");
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

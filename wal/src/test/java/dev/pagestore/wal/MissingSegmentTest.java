package dev.pagestore.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A segment the log needs that is missing or of the wrong size is {@link StopReason#CORRUPTION}, and a log opened
 * with {@code refuseCorruption} refuses it before changing anything (issue 14, B5: a start with {@code wal/*.wal}
 * deleted and {@code wal.control} kept succeeded silently and lost every write since the last checkpoint).
 */
class MissingSegmentTest {
    private static final WalConfig CONFIG = WalTestSupport.smallConfig(51);
    private static final int PAGE = CONFIG.pageSizeBytes();
    private static final WalOpenOptions REFUSING = WalOpenOptions.lenient().withRefuseCorruption(true);

    @RegisterExtension
    final SimulatedMachines machines = new SimulatedMachines();

    /** A simulated controller per file as the log's disk, files as large as a segment; closed after the test. */
    private SimulatedLogDirectory simulated(long seed) {
        return simulated(seed, CONFIG.segmentSizeBytes());
    }

    private SimulatedLogDirectory simulated(long seed, long fileCapacityBytes) {
        return machines.make(seed, fileCapacityBytes);
    }

    /** Appends one page per record, each waited for, until the log has moved into segment {@code lastSegment}. */
    private static List<Long> writeInto(LogDirectory directory, long lastSegment) throws IOException {
        List<Long> lsns = new ArrayList<>();
        try (Arena arena = Arena.ofShared(); WriteAheadLog wal = WriteAheadLog.open(directory, CONFIG,
                PageReplayer.NONE)) {
            long lsn = 0;
            for (int id = 0; lsn / CONFIG.segmentSizeBytes() < lastSegment; id++) {
                lsn = wal.appendAndWait(id % 7, WalTestSupport.page(arena, PAGE, id, id % 7));
                lsns.add(lsn);
            }
        }
        return lsns;
    }

    /** Every file of the directory with its size and bytes, so that any change shows. */
    private static Map<String, String> snapshot(LogDirectory directory) throws IOException {
        Map<String, String> files = new TreeMap<>();
        for (String name : directory.list()) {
            byte[] bytes = WalTestSupport.readAll(directory, name);
            files.put(name, bytes.length + " " + java.util.Arrays.hashCode(bytes));
        }
        return files;
    }

    private static WalCorruptionException refused(LogDirectory directory) {
        return assertThrows(WalCorruptionException.class,
                () -> WriteAheadLog.open(directory, CONFIG, PageReplayer.NONE, REFUSING).close());
    }

    @Test
    void shouldRefuseALogWhoseRedoSegmentWasDeletedAndChangeNothing() throws Exception {
        SimulatedLogDirectory directory = simulated(1);
        try (Arena arena = Arena.ofShared(); WriteAheadLog wal = WriteAheadLog.open(directory, CONFIG,
                PageReplayer.NONE)) {
            for (int id = 0; id < 20; id++) {
                wal.appendAndWait(id, WalTestSupport.page(arena, PAGE, id, id));  // acknowledged, in segment 0 only
            }
        }
        assertEquals(WalSegmentDescriptor.HEADER_REGION_BYTES, WalRecovery.redoLsn(directory, CONFIG),
                "no checkpoint: the redo point is where segment 0's records begin, the very place a log that was"
                        + " never able to make its segment would also name");
        for (String name : directory.list()) {
            if (name.endsWith(".wal")) {
                directory.delete(name);  // rm wal/*.wal, wal.control kept
            }
        }
        Map<String, String> before = snapshot(directory);
        WalCorruptionException e = refused(directory);
        assertTrue(e.report().detail().contains("segment 0000000000000000.wal, which holds the redo point (lsn "
                + WalSegmentDescriptor.HEADER_REGION_BYTES + "), does not exist"), e.report().detail());
        assertEquals(before, snapshot(directory), "refused before anything was made or changed");
    }

    @Test
    void shouldReportAMissingRedoSegmentAtASegmentsStartAsCorruption() throws Exception {
        SimulatedLogDirectory directory = simulated(2);
        writeInto(directory, 2);
        long segmentStart = CONFIG.segmentSizeBytes() + WalSegmentDescriptor.HEADER_REGION_BYTES;
        try (ControlFile control = ControlFile.openOrCreate(directory, CONFIG.segmentSizeBytes(),
                WalSegmentDescriptor.HEADER_REGION_BYTES)) {
            control.write(segmentStart);  // a checkpoint taken just as the log moved into segment 1
        }
        directory.delete(WalSegmentDescriptor.fileName(1));
        directory.delete(WalSegmentDescriptor.fileName(2));
        directory.delete(WalSegmentDescriptor.fileName(3));
        WalCorruptionException e = refused(directory);
        assertTrue(e.report().detail().contains("0000000000000001.wal, which holds the redo point"),
                e.report().detail());
    }

    @Test
    void shouldReportTheNewestSegmentLostAfterTheLogMovedIntoItAsCorruption() throws Exception {
        SimulatedLogDirectory directory = simulated(3);
        List<Long> acknowledged = writeInto(directory, 1);
        assertEquals(1, acknowledged.getLast() / CONFIG.segmentSizeBytes(), "an acknowledged record in segment 1");
        directory.delete(WalSegmentDescriptor.fileName(1));  // the newest segments, the one prepared ahead too
        directory.delete(WalSegmentDescriptor.fileName(2));
        Map<String, String> before = snapshot(directory);
        WalCorruptionException e = refused(directory);
        assertTrue(e.report().detail().contains("segment 0000000000000001.wal does not exist but the log had made it"),
                e.report().detail());
        assertEquals(before, snapshot(directory));
    }

    @Test
    void shouldReportAGapInTheLiveRangeAsCorruption() throws Exception {
        SimulatedLogDirectory directory = simulated(4);
        writeInto(directory, 2);
        directory.delete(WalSegmentDescriptor.fileName(1));  // segment 0 (the redo segment) and 2 are there
        WalCorruptionException e = refused(directory);
        assertTrue(e.report().detail().contains("0000000000000001.wal does not exist but later segments do"),
                e.report().detail());
    }

    @Test
    void shouldReportALiveSegmentOfTheWrongSizeAsCorruption() throws Exception {
        // files may grow past a segment, as on a file system
        SimulatedLogDirectory directory = simulated(5, 2 * CONFIG.segmentSizeBytes());
        writeInto(directory, 1);
        try (LogDevice first = directory.open(WalSegmentDescriptor.fileName(0), false)) {
            first.preallocate(CONFIG.segmentSizeBytes() + 4096);  // longer: not a segment this log made
            first.datasync();
        }
        WalCorruptionException e = refused(directory);
        assertTrue(e.report().detail().contains("0000000000000000.wal is " + (CONFIG.segmentSizeBytes() + 4096)
                + " bytes, longer than a segment's"), e.report().detail());

        SimulatedLogDirectory cut = simulated(6);
        writeInto(cut, 1);
        // cut short right after its SEGMENT_END: no record lost, but not the file the log made
        String segment = WalSegmentDescriptor.fileName(0);
        long end = segmentEndOffset(cut, segment, CONFIG) + WalRecordDescriptor.HEADER_LENGTH;
        cut.file(segment).cutShort(end);
        e = refused(cut);
        assertTrue(e.report().detail().contains("0000000000000000.wal is truncated to " + end)
                && e.report().detail().contains("SEGMENT_END"), e.report().detail());
    }

    @Test
    void shouldDeleteASpareOfTheWrongSizeInsteadOfRecyclingIt() throws Exception {
        SimulatedLogDirectory directory = simulated(7);
        try (Arena arena = Arena.ofShared(); WriteAheadLog wal = WriteAheadLog.open(directory, CONFIG,
                PageReplayer.NONE)) {
            long lsn = 0;
            int id = 0;
            while (lsn / CONFIG.segmentSizeBytes() < 1) {
                lsn = wal.appendAndWait(id, WalTestSupport.page(arena, PAGE, id, id));
                id++;
            }
            // segment 2 is prepared ahead on another thread once the log enters segment 1: let it finish first, or
            // it may take segment 0 as its spare the moment the checkpoint hands it back (then there is no spare
            // left to damage)
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!directory.list().contains(WalSegmentDescriptor.fileName(2)) && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            wal.checkpoint(redo -> { });  // segment 0 is a spare now
            directory.file(WalSegmentDescriptor.fileName(0)).cutShort(4096);  // and is damaged
            while (lsn / CONFIG.segmentSizeBytes() < 3) {  // segment 2 was prepared ahead; 3 needs a new file
                lsn = wal.appendAndWait(id, WalTestSupport.page(arena, PAGE, id, id));
                id++;
            }
        }
        assertTrue(directory.list().stream().noneMatch(n -> n.equals(WalSegmentDescriptor.fileName(0))),
                "the damaged spare was deleted: " + directory.list());
        for (String name : directory.list()) {
            if (name.endsWith(".wal")) {
                assertEquals(CONFIG.segmentSizeBytes(), directory.file(name).size(), name);
            }
        }
        try (WriteAheadLog wal = WriteAheadLog.open(directory, CONFIG, PageReplayer.NONE, REFUSING)) {
            assertEquals(StopReason.END_OF_LOG, wal.recoveryReport().stopReason(), wal.recoveryReport().toString());
        }
    }

    /**
     * Clears {@link WalRecordDescriptor#FLAG_NEXT_SEGMENT_DURABLE} on the {@code SEGMENT_END} of segment file
     * {@code name}, as a pagestore that wrote the record before making the next segment left it, and makes the change
     * durable.
     */
    static void clearNextSegmentFlag(LogDirectory directory, String name, WalConfig config) throws IOException {
        MemorySegment bytes = MemorySegment.ofArray(WalTestSupport.readAll(directory, name));
        long at = segmentEndOffset(directory, name, config);
        assertEquals(WalRecordDescriptor.FLAG_NEXT_SEGMENT_DURABLE, WalRecordDescriptor.flags(bytes, at));
        bytes.set(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN),
                at + WalRecordDescriptor.FLAGS_OFFSET, (short) 0);
        WalRecordDescriptor.sealCrc(bytes, at);
        try (LogDevice segment = directory.open(name, false)) {
            segment.write(at, bytes.asSlice(at, WalRecordDescriptor.HEADER_LENGTH));
            segment.datasync();
        }
    }

    /** Where the {@code SEGMENT_END} of a full segment is, found by walking its records from the first. */
    private static long segmentEndOffset(LogDirectory directory, String name, WalConfig config) throws IOException {
        MemorySegment bytes = MemorySegment.ofArray(WalTestSupport.readAll(directory, name));
        assertEquals(config.segmentSizeBytes(), bytes.byteSize(), name + " is a whole segment");
        long at = WalSegmentDescriptor.HEADER_REGION_BYTES;
        while (WalRecordDescriptor.type(bytes, at) != WalRecordDescriptor.TYPE_SEGMENT_END) {
            assertEquals(WalRecordDescriptor.TYPE_PAGE_IMAGES, WalRecordDescriptor.type(bytes, at), "record at " + at);
            at += WalRecordDescriptor.alignedLength(WalRecordDescriptor.totalLength(bytes, at));
        }
        return at;
    }
}

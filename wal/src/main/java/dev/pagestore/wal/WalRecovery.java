package dev.pagestore.wal;

import static dev.pagestore.wal.WalRecordDescriptor.HEADER_LENGTH;
import static dev.pagestore.wal.WalRecordDescriptor.RECORD_ALIGNMENT_BYTES;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Crash recovery: scans the log from the redo point and hands each page's last image to a {@link PageReplayer}.
 *
 * <h2>Rules</h2>
 * <ol>
 *   <li>Start at the redo point of the control file, in segment {@code redoLsn / segmentSize}.</li>
 *   <li>A record is valid when its shape is consistent (type, length inside the segment, page count and size), its
 *       salt is the segment's, its {@code lsn} is its own position, its {@code prevLsn} is the previous valid record
 *       (not checked for the first record after the redo point, whose predecessor was not read) and its CRC-32C
 *       matches. {@code SEGMENT_END} moves the scan to the next segment's first record.</li>
 *   <li>The scan stops at the first invalid record. Then it looks ahead up to {@code scanAheadBytes}, and at least
 *       one largest record, (8-byte steps,
 *       same segment) for a valid record: one whose {@code syncedLsn} is past the invalid record proves that the
 *       invalid record had been made durable before &mdash; {@link StopReason#CORRUPTION}. Valid records written in
 *       the same un-synced window (a torn write persisted out of order), or nothing valid, mean a
 *       {@link StopReason#TORN_TAIL}; zero-filled space with nothing after it is {@link StopReason#END_OF_LOG}.</li>
 *   <li>Files are whole: a segment the scan reads that is not exactly {@code segmentSize} bytes (every segment is
 *       preallocated before it is named) stops the scan with {@link StopReason#CORRUPTION} where it stops in it or
 *       leaves it. A missing segment is {@link StopReason#CORRUPTION} when something proves it existed: it holds the
 *       redo point a control file records, a later segment exists, or the {@code SEGMENT_END} before it carries
 *       {@link WalRecordDescriptor#FLAG_NEXT_SEGMENT_DURABLE}. Only a {@code SEGMENT_END} without the flag (written
 *       by a pagestore that wrote it before making the next segment) may end the log at a segment never made:
 *       {@link StopReason#END_OF_LOG}.</li>
 *   <li>Nothing at or after the stop point is applied. An atomic group is one record under one CRC, so a torn or
 *       damaged group is never applied in part.</li>
 *   <li><b>Each page is written once.</b> The scan keeps, per page number, the position of its latest image (record
 *       LSN and index in the record); after the scan the images are read back in log order and applied once each.
 *       A page logged a thousand times after the redo point costs one page write, not a thousand.</li>
 * </ol>
 *
 * <p>Segments are read whole into one buffer of {@code segmentSize} bytes (aligned, so an {@code O_DIRECT} device can
 * read straight into it).
 */
public final class WalRecovery {

    /** Where appending continues after recovery. */
    record Resume(RecoveryReport report, long segmentNumber, boolean segmentUsable, int salt, long nextLsn,
                  long lastLsn) {
    }

    private record ImageLocation(long recordLsn, int index, int pageCount) {
    }

    private WalRecovery() {
    }

    /** Scans the log in {@code directory} from {@code redoLsn}, applying pages through {@code replayer}. */
    public static RecoveryReport recover(LogDirectory directory, WalConfig config, long redoLsn, PageReplayer replayer)
            throws IOException {
        return scan(directory, config, redoLsn, replayer, RecordVisitor.NONE).report();
    }

    /** As {@link #recover(LogDirectory, WalConfig, long, PageReplayer)}, showing every valid record to {@code visitor}. */
    public static RecoveryReport recover(LogDirectory directory, WalConfig config, long redoLsn, PageReplayer replayer,
                                         RecordVisitor visitor) throws IOException {
        return scan(directory, config, redoLsn, replayer, visitor).report();
    }

    /** The redo point recorded in the control file of {@code directory}. */
    public static long redoLsn(LogDirectory directory, WalConfig config) throws IOException {
        try (LogDevice device = directory.open(ControlFileDescriptor.FILE_NAME, false)) {
            ControlFileDescriptor.State state = ControlFile.readState(device);
            if (state == null) {
                throw new IOException("control file in " + directory.describe() + " has no valid slot");
            }
            return state.redoLsn();
        }
    }

    static Resume scan(LogDirectory directory, WalConfig config, long redoLsn, PageReplayer replayer,
                       RecordVisitor visitor) throws IOException {
        return scan(directory, config, redoLsn, replayer, visitor, false, null);
    }

    /**
     * As {@link #scan(LogDirectory, WalConfig, long, PageReplayer, RecordVisitor)}; with {@code refuseCorruption} a
     * {@link StopReason#CORRUPTION} stop throws {@link WalCorruptionException} after the scan and before any page is
     * applied (the scan only reads; applying is the first thing recovery changes). A segment whose header names
     * another log than {@code logId} (null: no check) is a {@link StopReason#CORRUPTION} stop.
     */
    static Resume scan(LogDirectory directory, WalConfig config, long redoLsn, PageReplayer replayer,
                       RecordVisitor visitor, boolean refuseCorruption, UUID logId) throws IOException {
        long started = System.nanoTime();
        long segmentSize = config.segmentSizeBytes();
        Set<String> names = new HashSet<>(directory.list());
        Map<Long, ImageLocation> lastImage = new HashMap<>();

        long segmentNumber = redoLsn / segmentSize;
        long position = redoLsn;
        long expectedPrev = -1;
        long lastValid = -1;
        long records = 0;
        long images = 0;
        long bytes = 0;
        long segments = 0;
        boolean segmentUsable = false;
        int salt = 0;
        StopReason reason;
        String detail;

        // a record is checked once this much is read past its start; the look-ahead after an invalid record covers at
        // least one largest record, so the record after a damaged maximal group is reached
        long recordWindow = config.maxRecordBytes() + HEADER_LENGTH;
        long scanAheadWindow = Math.max(config.scanAheadBytes(), recordWindow);
        try (RecoveryReader reader = new RecoveryReader(directory, segmentSize)) {
            MemorySegment buffer = reader.buffer();
            boolean nextSegmentWasDurable = false;  // the SEGMENT_END that led to this segment says it was made
            scan:
            while (true) {
                String name = WalSegmentDescriptor.fileName(segmentNumber);
                if (!names.contains(name)) {
                    long missing = segmentNumber;
                    boolean laterExists = names.stream()
                            .anyMatch(n -> WalSegmentDescriptor.parseFileName(n) > missing);
                    segmentUsable = false;
                    // A segment is durably named before anything points into it: the control file's redo point (a
                    // new log's first segment is made before its control file; a checkpoint never records a redo
                    // point in a segment not yet made), a later segment, or a SEGMENT_END that says so. Then a missing
                    // one was lost, with every record it held. (Without a control file the log is new and empty.)
                    if (segments == 0 && names.contains(ControlFileDescriptor.FILE_NAME)) {
                        reason = StopReason.CORRUPTION;
                        detail = "segment " + name + ", which holds the redo point (lsn " + redoLsn + "), does not"
                                + " exist";
                    } else if (laterExists || nextSegmentWasDurable) {
                        reason = StopReason.CORRUPTION;
                        detail = "segment " + name + " does not exist but " + (laterExists ? "later segments do"
                                : "the log had made it before it moved there (the SEGMENT_END before it says so)");
                    } else {
                        // a SEGMENT_END written before its next segment was made (by a pagestore before the flag):
                        // the log ends where a new segment must begin
                        reason = StopReason.END_OF_LOG;
                        detail = "segment " + name + " does not exist: the log ends where it must begin";
                    }
                    break;
                }
                segments++;
                try {
                    long size = reader.open(name);
                    // every segment file is made whole (preallocated) before it is named: another size means it was
                    // cut short or replaced
                    String sizeProblem = size == segmentSize ? null : "segment " + name + " is "
                            + (size < segmentSize ? "truncated to " + size + " of " + segmentSize + " bytes"
                            : size + " bytes, longer than a segment's " + segmentSize);
                    long length = reader.awaitAvailable(WalSegmentDescriptor.HEADER_REGION_BYTES);
                    String headerProblem = WalSegmentDescriptor.check(
                            buffer.asSlice(0, Math.min(length, WalSegmentDescriptor.HEADER_REGION_BYTES)),
                            segmentNumber, segmentSize);
                    if (headerProblem != null) {
                        reason = StopReason.CORRUPTION;
                        detail = "segment " + name + " header invalid: " + headerProblem;
                        segmentUsable = false;
                        break;
                    }
                    UUID owner = WalSegmentDescriptor.logId(buffer);
                    if (logId != null && owner != null && !owner.equals(logId)) {
                        // another log's segment, valid header and records and all: none of it may be applied here
                        reason = StopReason.CORRUPTION;
                        detail = "segment " + name + " belongs to log " + owner + ", not to this log (" + logId
                                + "): it was copied in from another store";
                        segmentUsable = false;
                        break;
                    }
                    salt = WalSegmentDescriptor.salt(buffer);
                    segmentUsable = true;
                    long base = segmentNumber * segmentSize;
                    while (true) {
                        long at = position - base;
                        length = reader.awaitAvailable(at + recordWindow);
                        String problem = checkRecord(buffer, at, length - at, salt, position, expectedPrev, config);
                        if (problem != null) {
                            length = reader.awaitAvailable(at + scanAheadWindow + recordWindow);
                            long[] verdict = scanAhead(buffer, at, length, salt, base, position, scanAheadWindow);
                            boolean zeroed = length - at >= 8 && WalRecordDescriptor.totalLength(buffer, at) == 0
                                    && WalRecordDescriptor.type(buffer, at) == 0;
                            if (verdict[0] >= 0) {
                                reason = StopReason.CORRUPTION;
                                detail = "invalid record at lsn " + position + " (" + problem
                                        + ") but a valid record at lsn " + (base + verdict[0])
                                        + " was written after it was durable (syncedLsn="
                                        + WalRecordDescriptor.syncedLsn(buffer, verdict[0]) + ")";
                            } else if (verdict[1] >= 0) {
                                reason = StopReason.TORN_TAIL;
                                detail = "invalid record at lsn " + position + " (" + problem
                                        + "); the valid record at lsn " + (base + verdict[1])
                                        + " belongs to the same un-synced write (torn out of order)";
                            } else if (zeroed) {
                                reason = StopReason.END_OF_LOG;
                                detail = "zeroed space at lsn " + position;
                            } else {
                                reason = StopReason.TORN_TAIL;
                                detail = "invalid record at lsn " + position + " (" + problem
                                        + "), nothing valid in the next " + scanAheadWindow + " bytes";
                            }
                            if (sizeProblem != null) {
                                reason = StopReason.CORRUPTION;
                                detail = sizeProblem + "; " + detail;
                            }
                            break scan;
                        }
                        long aligned = WalRecordDescriptor.alignedLength(WalRecordDescriptor.totalLength(buffer, at));
                        boolean segmentEnd = WalRecordDescriptor.type(buffer, at)
                                == WalRecordDescriptor.TYPE_SEGMENT_END;
                        if (segmentEnd && sizeProblem != null) {
                            reason = StopReason.CORRUPTION;
                            detail = sizeProblem + "; its records up to its SEGMENT_END at lsn " + position
                                    + " are intact";
                            break scan;
                        }
                        records++;
                        bytes += aligned;
                        lastValid = position;
                        expectedPrev = position;
                        if (segmentEnd) {
                            nextSegmentWasDurable = (WalRecordDescriptor.flags(buffer, at)
                                    & WalRecordDescriptor.FLAG_NEXT_SEGMENT_DURABLE) != 0;
                            segmentNumber++;
                            position = segmentNumber * segmentSize + WalSegmentDescriptor.HEADER_REGION_BYTES;
                            continue scan;
                        }
                        int count = WalRecordDescriptor.pageCount(buffer, at);
                        visitor.onRecord(position, buffer.asSlice(at, WalRecordDescriptor.totalLength(buffer, at)));
                        for (int i = 0; i < count; i++) {
                            lastImage.put(WalRecordDescriptor.pageNumber(buffer, at, i),
                                    new ImageLocation(position, i, count));
                        }
                        images += count;
                        position += aligned;
                    }
                } finally {
                    reader.finish();
                }
            }
        }
        long scanNanos = System.nanoTime() - started;
        if (refuseCorruption && reason == StopReason.CORRUPTION) {
            throw new WalCorruptionException(directory.describe(), new RecoveryReport(redoLsn, records, images, 0,
                    bytes, segments, lastValid, position, reason, detail, scanNanos));
        }

        long applied = applyLastImages(directory, config, lastImage, replayer);
        RecoveryReport report = new RecoveryReport(redoLsn, records, images, applied, bytes, segments, lastValid,
                position, reason, detail, scanNanos);
        return new Resume(report, segmentNumber, segmentUsable, salt, position, Math.max(lastValid, 0));
    }

    /** Validates the record at {@code at}; null when valid, otherwise the first failed check. */
    static String checkRecord(MemorySegment buffer, long at, long available, int salt, long position,
                              long expectedPrev, WalConfig config) {
        String shape = WalRecordDescriptor.checkShape(buffer, at, available);
        if (shape != null) {
            return shape;
        }
        if (WalRecordDescriptor.salt(buffer, at) != salt) {
            return "salt " + Integer.toHexString(WalRecordDescriptor.salt(buffer, at)) + " is not the segment's "
                    + Integer.toHexString(salt);
        }
        if (WalRecordDescriptor.lsn(buffer, at) != position) {
            return "lsn field " + WalRecordDescriptor.lsn(buffer, at) + " is not its position " + position;
        }
        if (expectedPrev >= 0 && WalRecordDescriptor.prevLsn(buffer, at) != expectedPrev) {
            return "prevLsn " + WalRecordDescriptor.prevLsn(buffer, at) + " does not link to " + expectedPrev;
        }
        if (WalRecordDescriptor.type(buffer, at) == WalRecordDescriptor.TYPE_PAGE_IMAGES
                && WalRecordDescriptor.pageSize(buffer, at) != config.pageSizeBytes()) {
            return "pageSize " + WalRecordDescriptor.pageSize(buffer, at) + " is not the log's "
                    + config.pageSizeBytes();
        }
        if (!WalRecordDescriptor.crcMatches(buffer, at)) {
            return "CRC-32C mismatch";
        }
        return null;
    }

    /**
     * Looks for valid records after an invalid one at {@code at}.
     *
     * @return {offset of the first valid record written after {@code position} was durable, or -1;
     *          offset of the first valid record of the same un-synced window, or -1}
     */
    private static long[] scanAhead(MemorySegment buffer, long at, long length, int salt, long base, long position,
                                    long window) {
        long[] verdict = {-1, -1};
        long limit = Math.min(length - HEADER_LENGTH, at + window);
        for (long q = at + RECORD_ALIGNMENT_BYTES; q <= limit; q += RECORD_ALIGNMENT_BYTES) {
            if (WalRecordDescriptor.lsn(buffer, q) != base + q || WalRecordDescriptor.salt(buffer, q) != salt
                    || WalRecordDescriptor.checkShape(buffer, q, length - q) != null
                    || !WalRecordDescriptor.crcMatches(buffer, q)) {
                continue;
            }
            if (WalRecordDescriptor.syncedLsn(buffer, q) > position) {
                verdict[0] = q;
                return verdict;
            }
            if (verdict[1] < 0) {
                verdict[1] = q;
            }
        }
        return verdict;
    }

    /** The largest stretch of a segment the apply phase reads with one call. */
    static final int APPLY_WINDOW_BYTES = 4 << 20;

    private static long imageOffset(ImageLocation location, long segmentSize, int pageSize) {
        return location.recordLsn() % segmentSize
                + WalRecordDescriptor.pageImageOffset(location.index(), location.pageCount(), pageSize);
    }

    private static long applyLastImages(LogDirectory directory, WalConfig config, Map<Long, ImageLocation> lastImage,
                                        PageReplayer replayer) throws IOException {
        List<Map.Entry<Long, ImageLocation>> entries = new ArrayList<>(lastImage.entrySet());
        entries.sort((a, b) -> {
            int byRecord = Long.compare(a.getValue().recordLsn(), b.getValue().recordLsn());
            return byRecord != 0 ? byRecord : Integer.compare(a.getValue().index(), b.getValue().index());
        });
        long segmentSize = config.segmentSizeBytes();
        int pageSize = config.pageSizeBytes();
        Map<Long, LogDevice> devices = new HashMap<>();
        try (Arena arena = Arena.ofConfined()) {
            // Entries are in log order, so a run of them usually sits in one stretch of one segment: read each stretch
            // with one call (at most APPLY_WINDOW_BYTES) rather than one read per page; a queue-pair device pays a
            // ring round trip per read.
            // At least one page and its misalignment, for configurations with pages of 4 MiB or more.
            long windowBytes = Math.max(APPLY_WINDOW_BYTES, pageSize + 4096L);
            MemorySegment window = arena.allocate(windowBytes, 4096);
            int i = 0;
            while (i < entries.size()) {
                ImageLocation first = entries.get(i).getValue();
                long segmentNumber = first.recordLsn() / segmentSize;
                long start = imageOffset(first, segmentSize, pageSize) & -4096L;
                int end = i + 1;
                long stretchEnd = imageOffset(first, segmentSize, pageSize) + pageSize;
                while (end < entries.size()) {
                    ImageLocation next = entries.get(end).getValue();
                    long nextEnd = imageOffset(next, segmentSize, pageSize) + pageSize;
                    if (next.recordLsn() / segmentSize != segmentNumber || nextEnd - start > windowBytes) {
                        break;
                    }
                    stretchEnd = Math.max(stretchEnd, nextEnd);
                    end++;
                }
                LogDevice device = devices.get(segmentNumber);
                if (device == null) {
                    device = directory.open(WalSegmentDescriptor.fileName(segmentNumber), false);
                    devices.put(segmentNumber, device);
                    // this thread alone reads it: a queue-pair device keeps one queue pair for all of its reads
                    // instead of setting one up per read (an io_uring ring costs a few hundred microseconds)
                    device.transferOwnership(Thread.currentThread());
                }
                long length = ((stretchEnd - start) + 4095) & -4096L;
                MemorySegment stretch = window.asSlice(0, length);
                long n = device.read(start, stretch);
                if (n < stretchEnd - start) {
                    throw new IOException("segment " + segmentNumber + " shrank under recovery: short read of "
                            + (stretchEnd - start) + " bytes at " + start + " gave " + n);
                }
                for (int k = i; k < end; k++) {
                    Map.Entry<Long, ImageLocation> entry = entries.get(k);
                    long offset = imageOffset(entry.getValue(), segmentSize, pageSize);
                    replayer.applyPage(entry.getKey(), stretch.asSlice(offset - start, pageSize),
                            entry.getValue().recordLsn());
                }
                i = end;
            }
        } finally {
            for (LogDevice device : devices.values()) {
                device.close();
            }
        }
        return entries.size();
    }
}

package dev.pagestore.wal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * How {@link WriteAheadLog#open} gets a log to append to: a new log's first segment (made before its control file, so
 * a control file always names a redo point in a segment that was made), the control file, recovery
 * ({@link WalRecovery}), the sorting of the segment files found (unfinished creations deleted, segments before the
 * redo point handed back as spares, segments past the end of the log kept to be re-salted), and the segment the
 * writer resumes in.
 *
 * <p>Thread safety: runs on the opening thread, before the writer starts.
 */
final class WalOpening {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(WriteAheadLog.class); // the name operators know

    private WalOpening() {
    }

    static WriteAheadLog open(LogDirectory directory, WalConfig config, PageReplayer replayer,
            WalOpenOptions options) throws IOException {
        RecoveryEvent event = new RecoveryEvent();
        event.begin();
        long segmentSize = config.segmentSizeBytes();
        WalMetrics metrics = new WalMetrics();
        // Segments are checked against the id the control file holds on disk, never against one this open only
        // proposes: a store from before ids gets its id at the end of its first recovery, and a start cut short
        // before that must not make the next one refuse the segments it prepared. New segment headers name the id
        // the log is opened with, decided before its first segment is made.
        UUID recordedId = ControlFile.readLogId(directory).orElse(null);
        UUID logId = options.logId() != null ? options.logId() : recordedId;
        SegmentFiles segments = new SegmentFiles(directory, config, metrics, logId);
        List<String> found = directory.list();
        if (!found.contains(ControlFileDescriptor.FILE_NAME)
                && found.stream().noneMatch(name -> WalSegmentDescriptor.parseFileName(name) >= 0)) {
            // A new log: its first segment exists before a control file names a redo point in it, so that recovery
            // can take a missing redo segment for what it always is then, a lost file. Without space for it the log
            // is not created (WalNoSpaceException), and nothing is left of the attempt.
            try {
                segments.create(0, false, () -> false);
            } catch (IOException e) {
                if (!WalNoSpaceException.isNoSpace(e) || e instanceof WalNoSpaceException) {
                    throw e;
                }
                throw new WalNoSpaceException("no space for the first segment of a new log in "
                        + directory.describe() + ": " + e.getMessage(), e);
            }
        }
        ControlFile control = ControlFile.openOrCreate(directory, segmentSize, WalSegmentDescriptor.HEADER_REGION_BYTES,
                options.logId());
        boolean success = false;
        try {
            long redoLsn = control.current().redoLsn();
            WalRecovery.Resume resume;
            try {
                resume = WalRecovery.scan(directory, config, redoLsn, replayer, toReplica(options.replica()),
                        options.refuseCorruption(), recordedId);
                options.replica().send();
                options.replica().awaitHeld();  // the replica holds what the log holds before the log goes on
            } catch (WalCorruptionException e) {
                commit(event, e.report());  // a refused recovery is the event an operator most needs
                throw e;
            } catch (UncheckedIOException e) {
                throw e.getCause();  // the replica's, from toReplica
            }
            long redoSegment = redoLsn / segmentSize;
            for (String name : directory.list()) {
                long number = WalSegmentDescriptor.parseFileName(name);
                if (name.endsWith(".tmp")) {
                    directory.delete(name); // a creation that never reached its rename
                } else if (number >= 0 && number < redoSegment) {
                    segments.offerSpare(number);
                } else if (number > resume.segmentNumber()
                        || (number == resume.segmentNumber() && !resume.segmentUsable())) {
                    // past the end of the log: never acknowledged, must not resurface. Kept for its own number and
                    // re-salted when the log reaches it (usually the segment the last run prepared ahead)
                    segments.offerPastTheEnd(number);
                }
            }
            directory.sync();
            SegmentFiles.OpenSegment current;
            if (resume.segmentUsable()) {
                current = new SegmentFiles.OpenSegment(resume.segmentNumber(), resume.salt(),
                        directory.open(WalSegmentDescriptor.fileName(resume.segmentNumber()), false));
            } else {
                current = prepareOrLeaveToWriter(segments, resume.segmentNumber(), directory);
            }
            boolean eraseTail = resume.segmentUsable() && resume.report().stopReason() != StopReason.END_OF_LOG;
            WriteAheadLog wal = new WriteAheadLog(directory, config, control, segments, resume.report(), current,
                    resume.nextLsn(), resume.lastLsn(), eraseTail, redoSegment, metrics, options.replica());
            success = true;
            commit(event, resume.report());
            return wal;
        } finally {
            if (!success) {
                control.close();
            }
        }
    }

    /**
     * Segment {@code number}, made now, or null when there is no space for it: a log that ends where a new segment
     * must begin then opens all the same (recovery only read it), and the writer makes the segment when the first
     * append needs it, failing appends with {@link WalNoSpaceException} until it can.
     */
    private static SegmentFiles.OpenSegment prepareOrLeaveToWriter(SegmentFiles segments, long number,
            LogDirectory directory) throws IOException {
        try {
            return segments.prepare(number);
        } catch (IOException e) {
            if (!WalNoSpaceException.isNoSpace(e)) {
                throw e;
            }
            LOG.warn("no space for WAL segment {} in {}: the log opens without it and appends fail (NO_SPACE) until"
                    + " it can be made ({})", number, directory.describe(), e.getMessage());
            return null;
        }
    }

    /**
     * Recovery's records, each given to {@code replica}: the records after the redo point are those a restart
     * replays, so a replica that missed the last run's tail holds them again (in order; applying a page image twice
     * leaves the page as once).
     */
    private static RecordVisitor toReplica(LogReplica replica) {
        if (replica == LogReplica.NONE) {
            return RecordVisitor.NONE;
        }
        return (lsn, record) -> {
            try {
                replica.add(lsn, record, 0, record.byteSize());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
    }

    private static void commit(RecoveryEvent event, RecoveryReport report) {
        if (event.shouldCommit()) {
            event.redoLsn = report.redoLsn();
            event.endLsn = report.endLsn();
            event.records = report.recordsReplayed();
            event.pagesApplied = report.pagesApplied();
            event.bytesScanned = report.bytesScanned();
            event.segments = report.segmentsScanned();
            event.stopReason = report.stopReason().name();
            event.commit();
        }
    }

    /** As {@link WriteAheadLog#readSegmentSizeBytes}. */
    static Optional<Long> recordedSegmentSize(LogDirectory directory) throws IOException {
        Optional<ControlFileDescriptor.State> control = ControlFile.read(directory);
        if (control.isPresent()) {
            return control.map(ControlFileDescriptor.State::segmentSizeBytes);
        }
        long lowest = directory.list().stream().mapToLong(WalSegmentDescriptor::parseFileName).filter(n -> n >= 0)
                .min().orElse(-1);
        if (lowest < 0) {
            return Optional.empty();
        }
        try (LogDevice device = directory.open(WalSegmentDescriptor.fileName(lowest), false);
                Arena arena = Arena.ofConfined()) {
            MemorySegment header = arena.allocate(WalSegmentDescriptor.HEADER_REGION_BYTES,
                    WalSegmentDescriptor.HEADER_REGION_BYTES);
            long read = device.read(0, header);
            if (read < WalSegmentDescriptor.HEADER_LENGTH) {
                return Optional.empty();
            }
            MemorySegment block = header.asSlice(0, read);
            long size = WalSegmentDescriptor.segmentSizeBytes(block);
            return WalSegmentDescriptor.check(block, lowest, size) == null ? Optional.of(size) : Optional.empty();
        }
    }
}

package dev.pagestore.manager;

import dev.pagestore.ipc.control.ControlServer;
import dev.pagestore.status.StatusRegionDescriptor;
import dev.pagestore.wal.WalMetrics;
import dev.pagestore.wal.WriteAheadLog;

/**
 * Copies the manager-wide figures (attached workers, the WAL's metrics and durable LSN, checkpoints, unwritten pages,
 * control-socket refusals and attaches) into the status region's global words, and each attached channel's figures
 * into its row ({@link ChannelRows}), where {@code pagestore stat} and workers read them. The reactors publish their
 * own blocks themselves.
 *
 * <p>Thread safety: run by the one status thread ({@link Housekeeping}), beside checkpoints: everything it reads of
 * them is a volatile word.
 */
final class StatusPublisher implements Runnable {
    private final StatusRegion status;
    private final WriteAheadLog wal;
    private final Checkpoints checkpoints;
    private final UnwrittenPages unwritten;
    private final Attachments attachments;
    private final ControlServer control;
    private final ChannelRows rows;

    StatusPublisher(StatusRegion status, WriteAheadLog wal, Checkpoints checkpoints, UnwrittenPages unwritten,
            Attachments attachments, ControlServer control) {
        this.status = status;
        this.wal = wal;
        this.checkpoints = checkpoints;
        this.unwritten = unwritten;
        this.attachments = attachments;
        this.control = control;
        this.rows = new ChannelRows(status);
    }

    /** A failure is its {@link HousekeepingTask}'s to log, at most once a minute: this runs ten times a second. */
    @Override
    public void run() {
        WalMetrics metrics = wal.metrics();
        status.setGlobal(StatusRegionDescriptor.ATTACHED_WORKERS, attachments.attachedWorkers());
        status.setGlobal(StatusRegionDescriptor.WAL_DATASYNCS, metrics.datasyncs());
        status.setGlobal(StatusRegionDescriptor.WAL_BATCHES, metrics.batches());
        status.setGlobal(StatusRegionDescriptor.WAL_RECORDS, metrics.records());
        status.setGlobal(StatusRegionDescriptor.WAL_BYTES, metrics.bytesWritten());
        status.setGlobal(StatusRegionDescriptor.WAL_WRITE_NANOS, metrics.writeNanos());
        status.setGlobal(StatusRegionDescriptor.WAL_SYNC_NANOS, metrics.syncNanos());
        status.setGlobal(StatusRegionDescriptor.WAL_SEGMENTS_ZERO_FILLED, metrics.segmentsZeroFilled());
        status.setGlobal(StatusRegionDescriptor.WAL_SEGMENTS_RECYCLED, metrics.segmentsRecycled());
        // The redo point first: it never passes the durable LSN, so read in this order they never look crossed.
        status.setGlobal(StatusRegionDescriptor.REDO_LSN, wal.redoLsn());
        status.setGlobal(StatusRegionDescriptor.DURABLE_LSN, wal.durableLsn());
        status.setGlobal(StatusRegionDescriptor.CHECKPOINTS, checkpoints.count());
        status.setGlobal(StatusRegionDescriptor.UNWRITTEN_PAGES, unwritten.size());
        status.setGlobal(StatusRegionDescriptor.CONTROL_REFUSALS,
                control.protocolErrorCount() + control.refusedPeerCount() + control.refusalCount());
        status.setGlobal(StatusRegionDescriptor.ATTACHES, control.attachCount());
        status.setGlobal(StatusRegionDescriptor.WAL_SPARE_SEGMENTS, wal.spareSegmentCount());
        status.setGlobal(StatusRegionDescriptor.LAST_CHECKPOINT_MILLIS, checkpoints.lastMillis());
        rows.publish(attachments.sessions());  // last: whatever a row's worker did, the figures above are out
    }
}

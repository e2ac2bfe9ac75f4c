package dev.pagestore.demo;

import dev.pagestore.status.StatusRegionDescriptor;
import dev.pagestore.status.StatusView;
import java.io.IOException;
import java.nio.file.Path;

/** A manager's WAL figures as its status region shows them; a killed manager's are added to its successor's. */
record WalFigures(long datasyncs, long batches, long records, long bytes, long writeNanos, long syncNanos) {
    static final WalFigures NONE = new WalFigures(0, 0, 0, 0, 0, 0);

    /** The figures of the manager serving {@code dir} now, or {@link #NONE} when none can be observed. */
    static WalFigures read(Path dir) {
        try (StatusView status = StatusView.observe(dir)) {
            return new WalFigures(status.global(StatusRegionDescriptor.WAL_DATASYNCS),
                    status.global(StatusRegionDescriptor.WAL_BATCHES),
                    status.global(StatusRegionDescriptor.WAL_RECORDS), status.global(StatusRegionDescriptor.WAL_BYTES),
                    status.global(StatusRegionDescriptor.WAL_WRITE_NANOS),
                    status.global(StatusRegionDescriptor.WAL_SYNC_NANOS));
        } catch (IOException e) {
            return NONE;
        }
    }

    WalFigures plus(WalFigures o) {
        return new WalFigures(datasyncs + o.datasyncs, batches + o.batches, records + o.records, bytes + o.bytes,
                writeNanos + o.writeNanos, syncNanos + o.syncNanos);
    }
}

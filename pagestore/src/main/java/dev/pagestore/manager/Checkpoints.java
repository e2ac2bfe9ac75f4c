package dev.pagestore.manager;

import dev.pagestore.nvme.BlockDevice;
import dev.pagestore.wal.WriteAheadLog;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The manager's checkpoints: wait until every write logged before the redo point has been through the data file,
 * write the committed pages whose data-file write failed ({@link UnwrittenPages}), make the data file durable
 * (through the data device once the manager serves, {@link DeviceSync}; before that, the file recovery wrote),
 * record the redo point, and let the WAL recycle older segments. If any of those pages still cannot be written, the
 * checkpoint fails and the redo point stays where it was, so recovery still replays them from the log. If the flush
 * itself fails, the manager stops ({@link DataFileSyncException}): the file can no longer be trusted by any later checkpoint.
 *
 * <p>Thread safety: any thread; checkpoints are serialised.
 */
final class Checkpoints implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Checkpoints.class);
    private static final long UNAPPLIED_WAIT_NANOS = 30_000_000_000L;

    private final Path dataFile;
    private final int pageSizeBytes;
    private final WriteAheadLog wal;
    private final UnappliedWrites unapplied;
    private final UnwrittenPages unwritten;
    private final Consumer<Throwable> onFatal;
    /**
     * The data file as checkpoints sync it: one descriptor for the manager's life, so that a writeback error reported
     * once is seen by the checkpoint that follows it (a descriptor opened later would not see it).
     */
    private FileChannel dataSync;
    /** The data device once the reactors write through it (null before): checkpoints then write and flush there. */
    private volatile BlockDevice device;
    private volatile long count;
    private volatile long lastMillis;

    Checkpoints(Path dataFile, int pageSizeBytes, WriteAheadLog wal, UnappliedWrites unapplied,
            UnwrittenPages unwritten, Consumer<Throwable> onFatal) {
        this.dataFile = dataFile;
        this.pageSizeBytes = pageSizeBytes;
        this.wal = wal;
        this.unapplied = unapplied;
        this.unwritten = unwritten;
        this.onFatal = onFatal;
    }

    /** From now on the data file is {@code device}, which the reactors write through. */
    void useDevice(BlockDevice device) {
        this.device = device;
    }

    /** Takes a checkpoint and returns its redo LSN. */
    synchronized long checkpoint() throws IOException {
        try {
            long redo = wal.checkpoint(redoLsn -> {
                unapplied.awaitAllBegunBefore(UNAPPLIED_WAIT_NANOS);
                forceDataFile();
            });
            count++;
            lastMillis = System.currentTimeMillis();
            return redo;
        } catch (DataFileSyncException e) {
            onFatal.accept(e);
            throw e;
        }
    }

    /** For a scheduled job: a failure is logged, and the next one tries again. */
    void checkpointLoggingFailure(String why) {
        try {
            checkpoint();
        } catch (IOException | RuntimeException e) {
            LOG.error("{} checkpoint failed", why, e);
        }
    }

    long count() {
        return count;
    }

    /** Wall-clock milliseconds since 1970 when the last checkpoint completed; 0 before the first. */
    long lastMillis() {
        return lastMillis;
    }

    private void forceDataFile() throws IOException {
        BlockDevice served = device;
        if (served == null) {
            unwritten.checkpoint(DataPageSink.of(dataFileForSync(), pageSizeBytes));
            return;
        }
        try (DeviceSync sync = new DeviceSync(served, pageSizeBytes)) {
            unwritten.checkpoint(sync);
        }
    }

    private FileChannel dataFileForSync() throws IOException {
        if (dataSync == null) {
            dataSync = FileChannel.open(dataFile, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
        }
        return dataSync;
    }

    @Override
    public synchronized void close() {
        if (dataSync != null) {
            try {
                dataSync.close();
            } catch (IOException e) {
                LOG.warn("closing the data file: {}", e.toString());
            }
        }
    }
}

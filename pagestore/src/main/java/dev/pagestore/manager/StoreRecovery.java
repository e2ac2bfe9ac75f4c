package dev.pagestore.manager;

import dev.pagestore.wal.LogDirectory;
import dev.pagestore.wal.LogIdMismatchException;
import dev.pagestore.wal.LogReplica;
import dev.pagestore.wal.WalConfig;
import dev.pagestore.wal.WalCorruptionException;
import dev.pagestore.wal.WalOpenOptions;
import dev.pagestore.wal.WriteAheadLog;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A start's recovery: opens the store's WAL and replays its page images into the data file before anything serves.
 * The WAL refuses, before applying anything, a log of another store and a CORRUPTION stop (a damaged record, a
 * missing or wrong-sized segment); both become a {@link StoreRefusedException} that says what to do, so nothing after
 * recovery runs on a refused start. A record naming a page outside the store stops recovery as an I/O error.
 */
final class StoreRecovery {
    private static final Logger LOG = LoggerFactory.getLogger(StoreRecovery.class);
    /** The most pages one WAL record (an atomic batch) may carry. */
    static final int WAL_GROUP_PAGES_MAX = 64;

    /** The open log after recovery, and the store's id. */
    record Recovered(WriteAheadLog wal, UUID storeId) {
    }

    private StoreRecovery() {
    }

    /** A start that fails after the log is open closes it: its writer threads and segment files go with the start. */
    private static void closeAfterFailure(WriteAheadLog wal, Exception failure) {
        try {
            wal.close();
        } catch (IOException | RuntimeException e) {
            failure.addSuppressed(e);
        }
    }

    /**
     * Replays the log into {@code dataFile} (made durable before this returns) and leaves it open for appends.
     *
     * @param log        the store's WAL directory as the plan found it, or null for a new store's (made here)
     * @param storeId    the store's id, or null for a store from before ids (the WAL's id, else a new one)
     * @param replica    where the log's records go too ({@link LogReplica#NONE}: nowhere)
     */
    static Recovered run(Path directory, Path dataFile, LogDirectory log, ManagerConfig config, UUID storeId,
            long capacityPages, LogReplica replica) throws IOException {
        int pageSize = config.pageSizeBytes();
        WriteAheadLog wal = null;
        try (FileChannel data = FileChannel.open(dataFile, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
            LogDirectory logDirectory = log;
            if (logDirectory == null) {  // a new store's, or a creation cut short before it was made
                Path walPath = directory.resolve(PageStoreManager.WAL_DIRECTORY);
                OwnerOnly.createDirectories(walPath);
                // The WAL writer thread writes and fdatasyncs through a queue pair it owns: synchronous by default,
                // io_uring or plain files on request (ManagerConfig.walIo). Same files, same format.
                logDirectory = config.walIo().open(walPath, config.backend());
            }
            UUID id = storeId != null ? storeId
                    : WriteAheadLog.readLogId(logDirectory).orElseGet(UUID::randomUUID);
            LOG.info("WAL in {} through {}", logDirectory.describe(), logDirectory);
            // a new log's segments have the configured size; an existing log keeps the one it was made with
            long segmentSize = WriteAheadLog.readSegmentSizeBytes(logDirectory).orElse(config.walSegmentSizeBytes());
            if (segmentSize != config.walSegmentSizeBytes()) {
                LOG.info("the WAL keeps the {}-byte segments it was made with (the configured {} bytes apply to new"
                        + " stores)", segmentSize, config.walSegmentSizeBytes());
            }
            try {
                wal = WriteAheadLog.open(logDirectory, WalConfig.defaults(pageSize).withSegmentSizeBytes(segmentSize)
                                .withMaxPagesPerGroup(WAL_GROUP_PAGES_MAX),
                        (pageNumber, image, lsn) -> {
                            if (pageNumber < 0 || pageNumber >= capacityPages) {
                                throw new IOException("WAL record at lsn " + lsn + " names page " + pageNumber
                                        + ", outside the store's " + capacityPages + " pages");
                            }
                            ByteBuffer buffer = image.asByteBuffer();
                            long position = pageNumber * pageSize;
                            while (buffer.hasRemaining()) {
                                position += data.write(buffer, position);
                            }
                        }, WalOpenOptions.lenient().withLogId(id).withRefuseCorruption(true)
                                .withReplica(replica));
            } catch (LogIdMismatchException e) {
                throw new StoreRefusedException(logDirectory.describe() + " holds the WAL of store " + e.found()
                        + " but " + directory.resolve(StoreMetadata.FILE) + " names store " + e.expected() + ": one"
                        + " of them was copied from another store; restore the store (the whole directory) from a"
                        + " backup", e);
            } catch (WalCorruptionException e) {
                throw new StoreRefusedException("WAL recovery in " + logDirectory.describe() + " found corruption ("
                        + e.report().detail() + "): acknowledged data may be damaged or lost, and nothing was"
                        + " changed; keep a copy of the directory for investigation, then restore the store from a"
                        + " backup", e);
            }
            data.force(false);
            return new Recovered(wal, id);
        } catch (IOException | RuntimeException e) {
            if (wal != null) {  // failed after the log opened (syncing or closing the data file)
                closeAfterFailure(wal, e);
            }
            throw e;
        }
    }
}

package dev.pagestore.manager;

import java.io.IOException;

/**
 * An {@code fdatasync} of the data file failed. After a failed fsync the kernel may have dropped the dirty pages and
 * will not report the loss again (PostgreSQL's fsyncgate), so no later checkpoint may trust the file: the manager stops,
 * and the next start replays the WAL from the last redo point that was recorded while the file was sound.
 */
final class DataFileSyncException extends IOException {
    private static final long serialVersionUID = 1L;

    DataFileSyncException(String message, IOException cause) {
        super(message, cause);
    }
}

package dev.pagestore.manager;

import java.io.IOException;

/**
 * The data directory, or its {@code .lock}, was deleted, moved or replaced under a running manager
 * ({@link DirectoryOwnership#lostReason}). The manager stops at once: its files are no longer where anyone else
 * looks, and another manager could be started on the path. The message says what was found.
 */
public final class DataDirectoryLostException extends IOException {
    private static final long serialVersionUID = 1L;

    public DataDirectoryLostException(String message) {
        super(message);
    }
}

package dev.pagestore.manager;

import java.io.IOException;

/**
 * A manager refused to start because of what it found in the data directory: a missing, damaged or foreign file, a
 * symbolic link where a file belongs, files that disagree, permissions that let others in, or options that disagree
 * with the store. Nothing was changed. The message is one line: what is wrong, then what to do about it.
 */
public final class StoreRefusedException extends IOException {
    private static final long serialVersionUID = 1L;

    public StoreRefusedException(String message) {
        super(message);
    }

    public StoreRefusedException(String message, Throwable cause) {
        super(message, cause);
    }
}

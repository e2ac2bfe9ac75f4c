package dev.pagestore.wal;

import java.io.IOException;
import java.util.UUID;

/**
 * The log's control file names another owner than the one opening it: the log (or the control file alone) was copied
 * or moved from elsewhere. Thrown before recovery reads or changes anything.
 */
public final class LogIdMismatchException extends IOException {
    private static final long serialVersionUID = 1L;
    private final UUID expected;
    private final UUID found;

    LogIdMismatchException(String where, UUID expected, UUID found) {
        super("the WAL in " + where + " belongs to " + found + ", not to " + expected);
        this.expected = expected;
        this.found = found;
    }

    public UUID expected() {
        return expected;
    }

    public UUID found() {
        return found;
    }
}

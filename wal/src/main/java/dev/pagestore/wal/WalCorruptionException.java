package dev.pagestore.wal;

import java.io.IOException;

/**
 * Recovery stopped at {@link StopReason#CORRUPTION} and the opener asked to refuse such a log
 * ({@link WalOpenOptions#refuseCorruption()}). Thrown after the scan and before anything was applied or changed: no
 * page was handed to the replayer, no tail erased, no file deleted, so the log is as it was for whoever investigates.
 */
public final class WalCorruptionException extends IOException {
    private static final long serialVersionUID = 1L;
    private final transient RecoveryReport report;

    WalCorruptionException(String where, RecoveryReport report) {
        super("WAL recovery in " + where + " found corruption (" + report.detail() + ")");
        this.report = report;
    }

    /** What the scan found (no page applied). */
    public RecoveryReport report() {
        return report;
    }
}

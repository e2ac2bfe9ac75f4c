package dev.pagestore.wal;

/** Why a recovery scan stopped. */
public enum StopReason {
    /** Zero-filled space or a missing next segment: the log simply ends here. Normal. */
    END_OF_LOG,
    /**
     * An invalid record with nothing valid after it within the scan-ahead window, or only records written in the same
     * un-synced window (a torn write persisted out of order). Normal after a crash: nothing acknowledged is lost.
     */
    TORN_TAIL,
    /**
     * An invalid record followed by a valid record written after it had been made durable, or an invalid header on a
     * segment that the log needs: acknowledged data was damaged. Nothing after the damage is applied.
     */
    CORRUPTION
}

package dev.pagestore.wal;

import java.util.Objects;
import java.util.UUID;

/**
 * What {@link WriteAheadLog#open(LogDirectory, WalConfig, PageReplayer, WalOpenOptions)} checks before it changes
 * anything in the log, and where the log is copied besides its segments.
 *
 * @param logId            the owner's id: a new control file records it, an existing one must carry it (or none, and
 *                         then takes it); a log of another owner is refused with {@link LogIdMismatchException}
 *                         before recovery reads it. Null: nothing checked or recorded
 * @param refuseCorruption when recovery stops at {@link StopReason#CORRUPTION}, throw {@link WalCorruptionException}
 *                         before anything is applied or changed, instead of continuing after the last valid record
 * @param replica          where every record goes too, and is held before its append is told durable
 *                         ({@link LogReplica#NONE}: nowhere)
 */
public record WalOpenOptions(UUID logId, boolean refuseCorruption, LogReplica replica) {
    public WalOpenOptions {
        Objects.requireNonNull(replica, "replica");
    }

    /** No id, continue after corruption: what {@link WriteAheadLog#open(LogDirectory, WalConfig, PageReplayer)} does. */
    public static WalOpenOptions lenient() {
        return new WalOpenOptions(null, false, LogReplica.NONE);
    }

    public WalOpenOptions withLogId(UUID value) {
        return new WalOpenOptions(value, refuseCorruption, replica);
    }

    public WalOpenOptions withRefuseCorruption(boolean value) {
        return new WalOpenOptions(logId, value, replica);
    }

    public WalOpenOptions withReplica(LogReplica value) {
        return new WalOpenOptions(logId, refuseCorruption, value);
    }
}

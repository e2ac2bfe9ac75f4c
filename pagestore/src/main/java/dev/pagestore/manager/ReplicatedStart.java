package dev.pagestore.manager;

import dev.pagestore.replication.AppliedPosition;
import dev.pagestore.replication.HandoverReplica;
import dev.pagestore.replication.ReplicatedPrimary;
import dev.pagestore.replication.ReplicationFile;
import dev.pagestore.replication.ReplicationRefusedException;
import dev.pagestore.replication.StandbyDirectory;
import dev.pagestore.replication.StoreShape;
import dev.pagestore.wal.LogReplica;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replicated part of a start, before recovery opens the WAL. A primary takes its store ({@link ReplicatedPrimary}),
 * so that recovery's records already go to the new ledger. A standby takes nothing: its log's replica is a
 * {@link HandoverReplica} that goes nowhere until a promotion; but a standby directory that holds the store's epoch
 * (promoted, then restarted) starts as the primary it is. A refusal is the store's ({@link StoreRefusedException}).
 *
 * @param primary  the hold on the store as primary, or null (a standby)
 * @param handover a standby's replica, or null (a primary)
 * @param shape    the store's page size and capacity
 */
record ReplicatedStart(ReplicatedPrimary primary, HandoverReplica handover, StoreShape shape) {
    private static final Logger LOG = LoggerFactory.getLogger(ReplicatedStart.class);

    /** What the WAL's records go to. */
    LogReplica replica() {
        return primary != null ? primary.replica() : handover;
    }

    /**
     * The replicated start {@code config} asks for, or null when it does not replicate.
     *
     * @param neverStarted the store has never served (epoch 0): its log is empty, so it may begin replicating
     */
    static ReplicatedStart begin(ManagerConfig config, Path directory, StoreMetadata store, boolean neverStarted,
            Consumer<Throwable> onFatal) throws IOException {
        if (config.replication() == null) {
            var replicated = ReplicationFile.read(directory);
            if (replicated.isPresent()) {
                // its commits would reach no ledger: a standby would miss them, and a failover lose them
                throw new StoreRefusedException("store " + store.storeId() + " in " + directory + " is replicated"
                        + " through " + replicated.get().metadataServiceUri() + ": start it with --replicate "
                        + replicated.get().metadataServiceUri());
            }
            return null;
        }
        if (store.storeId() == null) {
            throw new StoreRefusedException("the store in " + directory + " has no id (made by an older pagestore),"
                    + " so it cannot be replicated; make a new store with --replicate and copy the pages into it");
        }
        StoreShape shape = new StoreShape(store.pageSizeBytes(), store.capacityPages());
        try {
            boolean standbyDirectory = AppliedPosition.pending(directory);
            if (config.replication().standby()) {
                boolean holds = StandbyDirectory.holdsEpoch(config.replication(), directory, store.storeId());
                if (standbyDirectory) {  // a standby, or one whose takeover did not finish: it takes over again
                    return new ReplicatedStart(null, new HandoverReplica(), shape);
                }
                if (!holds) {
                    throw new StoreRefusedException(directory + " served store " + store.storeId() + " as its"
                            + " primary and lost it to another: its log may hold writes that were never"
                            + " acknowledged, so it cannot follow the store either; make a new standby in an empty"
                            + " directory");
                }
                LOG.info("{} holds store {}'s epoch (a standby promoted before): it starts as the primary", directory,
                        store.storeId());
            } else if (standbyDirectory) {
                throw new StoreRefusedException(directory + " is a standby of store " + store.storeId() + ": start it"
                        + " with --standby");
            }
            ReplicatedPrimary primary = ReplicatedPrimary.start(config.replication(), directory, store.storeId(),
                    shape, neverStarted, false);
            primary.whenSessionLost(() -> onFatal.accept(sessionLost(store.storeId())));
            return new ReplicatedStart(primary, null, shape);
        } catch (ReplicationRefusedException e) {
            throw new StoreRefusedException(e.getMessage(), e);
        }
    }

    /** Why a primary whose ZooKeeper session expired stops: a standby may be serving the store already. */
    static IOException sessionLost(java.util.UUID storeId) {
        return new IOException("the ZooKeeper session of this primary of store " + storeId + " expired: its alive node"
                + " is gone and a standby may take the store over, so this manager stops serving it");
    }
}

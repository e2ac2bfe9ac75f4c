package dev.pagestore.manager;

import dev.pagestore.replication.ReplicatedPrimary;
import dev.pagestore.replication.ReplicationRefusedException;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The replicated part of a start: before recovery opens the WAL, this manager takes its store as primary
 * ({@link ReplicatedPrimary}), so that recovery's records already go to the new ledger. A refusal is the store's
 * ({@link StoreRefusedException}): the directory may not serve.
 */
final class ReplicatedStart {
    private ReplicatedStart() {
    }

    /** The hold on the store as primary, or null when {@code config} does not replicate. */
    static ReplicatedPrimary begin(ManagerConfig config, Path directory, StoreMetadata store, boolean creates)
            throws IOException {
        if (config.replication() == null) {
            return null;
        }
        if (store.storeId() == null) {
            throw new StoreRefusedException("the store in " + directory + " has no id (made by an older pagestore),"
                    + " so it cannot be replicated; make a new store with --replicate and copy the pages into it");
        }
        try {
            return ReplicatedPrimary.start(config.replication(), directory, store.storeId(), config.pageSizeBytes(),
                    creates);
        } catch (ReplicationRefusedException e) {
            throw new StoreRefusedException(e.getMessage(), e);
        }
    }
}

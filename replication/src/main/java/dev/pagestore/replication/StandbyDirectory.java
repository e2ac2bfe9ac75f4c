package dev.pagestore.replication;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooKeeper;

/** What a standby's directory needs from the metadata service before its manager starts. */
public final class StandbyDirectory {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private StandbyDirectory() {
    }

    /** The shape of store {@code storeId}, which a new standby's store is made with. */
    public static StoreShape shapeOf(ReplicationConfig config, UUID storeId) throws IOException {
        ZooKeeper zk = ZooKeeperSession.connect(config.zookeeperConnectString(), config.sessionTimeout(), TIMEOUT);
        try {
            String path = StoreZnodes.store(storeId);
            return StoreZnodes.decodeShape(path, zk.getData(path, false, null));
        } catch (KeeperException.NoNodeException e) {
            throw new ReplicationRefusedException("the metadata service " + config.metadataServiceUri()
                    + " has no store " + storeId + " (its primary prints its id when it starts)");
        } catch (KeeperException e) {
            throw new IOException("ZooKeeper refused " + e.getPath() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted reading store " + storeId);
        } finally {
            ZooKeeperSession.close(zk);
        }
    }

    /**
     * Makes {@code directory} a standby of store {@code storeId} (its own id, the metadata service), unless it already
     * is one of that store.
     */
    public static void prepare(ReplicationConfig config, Path directory, UUID storeId) throws IOException {
        Optional<ReplicationFile> found = ReplicationFile.read(directory);
        if (found.isEmpty()) {
            AppliedPosition.START.write(directory);  // first: it marks the directory a standby's
            new ReplicationFile(storeId, UUID.randomUUID(), config.metadataServiceUri(), 0).write(directory);
        } else if (!found.get().storeId().equals(storeId)) {
            throw new ReplicationRefusedException(directory + " replicates store " + found.get().storeId() + ", not "
                    + storeId);
        }
    }

    /** Whether {@code directory} holds the store's current epoch: a standby promoted before it restarted. */
    public static boolean holdsEpoch(ReplicationConfig config, Path directory, UUID storeId) throws IOException {
        Optional<ReplicationFile> local = ReplicationFile.read(directory);
        if (local.isEmpty()) {
            return false;
        }
        ZooKeeper zk = ZooKeeperSession.connect(config.zookeeperConnectString(), config.sessionTimeout(), TIMEOUT);
        try {
            String path = StoreZnodes.primary(storeId);
            return StoreZnodes.Primary.decode(path, zk.getData(path, false, null)).owner()
                    .equals(local.get().directoryId());
        } catch (KeeperException.NoNodeException e) {
            return false;
        } catch (KeeperException e) {
            throw new IOException("ZooKeeper refused " + e.getPath() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted reading store " + storeId);
        } finally {
            ZooKeeperSession.close(zk);
        }
    }
}

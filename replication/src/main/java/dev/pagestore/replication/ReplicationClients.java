package dev.pagestore.replication;

import java.io.IOException;
import java.time.Duration;
import org.apache.bookkeeper.client.api.BookKeeper;
import org.apache.zookeeper.ZooKeeper;

/**
 * What a primary and a standby hold of the metadata service and the bookies: a ZooKeeper session of pagestore's own
 * (its ephemeral {@code alive} node, told to {@code expiry} when it expires) and a BookKeeper client. A standby's
 * become the new primary's at a takeover, warm.
 */
record ReplicationClients(ZooKeeper zk, BookKeeper bookKeeper, ZooKeeperSession.ExpiryWatch expiry) {
    /** Both, or neither and an error naming the service when either cannot be had within {@code timeout}. */
    static ReplicationClients connect(ReplicationConfig config, Duration timeout) throws IOException {
        ZooKeeperSession.ExpiryWatch expiry = new ZooKeeperSession.ExpiryWatch();
        ZooKeeper zk = ZooKeeperSession.connect(config.zookeeperConnectString(), config.sessionTimeout(), timeout,
                expiry);
        try {
            return new ReplicationClients(zk, BookKeeper.newBuilder(ReplicatedPrimary.clientConfiguration(config))
                    .build(), expiry);
        } catch (Exception e) {
            ZooKeeperSession.close(zk);
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IOException("no BookKeeper client for " + config.metadataServiceUri() + ": " + e, e);
        }
    }
}

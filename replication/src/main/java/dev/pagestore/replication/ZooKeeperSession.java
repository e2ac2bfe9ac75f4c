package dev.pagestore.replication;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;

/** A ZooKeeper session of pagestore's own, apart from the BookKeeper client's, so its ephemeral node is ours alone. */
final class ZooKeeperSession {
    private ZooKeeperSession() {
    }

    /** No ZooKeeper server answered in time: a failure that may pass. */
    static final class Unreachable extends IOException {
        Unreachable(String message) {
            super(message);
        }
    }

    /** What to do when a session expires (its ephemeral nodes are gone): set once its holder knows. */
    static final class ExpiryWatch {
        private volatile Runnable onExpired = () -> { };

        void set(Runnable value) {
            onExpired = value;
        }
    }

    /** A connected session, or an error naming the hosts after {@code timeout}. */
    static ZooKeeper connect(String connectString, Duration sessionTimeout, Duration timeout) throws IOException {
        return connect(connectString, sessionTimeout, timeout, new ExpiryWatch());
    }

    /** As above, telling {@code expiry} when the session expires. */
    static ZooKeeper connect(String connectString, Duration sessionTimeout, Duration timeout, ExpiryWatch expiry)
            throws IOException {
        CountDownLatch connected = new CountDownLatch(1);
        ZooKeeper zk = new ZooKeeper(connectString, (int) sessionTimeout.toMillis(), event -> {
            if (event.getState() == Watcher.Event.KeeperState.SyncConnected) {
                connected.countDown();
            } else if (event.getState() == Watcher.Event.KeeperState.Expired) {
                expiry.onExpired.run();
            }
        });
        try {
            if (!connected.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                close(zk);
                throw new Unreachable("no ZooKeeper answered at " + connectString + " within " + timeout
                        + " (is the metadata service running? pagestore cluster starts one)");
            }
        } catch (InterruptedException e) {
            close(zk);
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted connecting to ZooKeeper at " + connectString);
        }
        return zk;
    }

    /** Makes {@code path} (persistent, open to the session's users) unless it is there. */
    static void ensure(ZooKeeper zk, String path, byte[] data) throws KeeperException, InterruptedException {
        try {
            zk.create(path, data, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        } catch (KeeperException.NodeExistsException ignored) {
            // made by an earlier start or another store: either way it is there
        }
    }

    static void close(ZooKeeper zk) {
        try {
            zk.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

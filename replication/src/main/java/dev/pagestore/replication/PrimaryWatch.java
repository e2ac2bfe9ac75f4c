package dev.pagestore.replication;

import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;

/**
 * A standby's watch on its primary's {@code alive} node: looked at every {@value #CHECK_MILLIS} ms and at once when
 * ZooKeeper's watch says the node changed (its deletion is a failover's start, so it wakes the applier). A primary
 * never seen alive (the standby started while it was down) is taken for gone after a whole session timeout without
 * its node.
 *
 * <p>Thread safety: {@link #due} and {@link #primaryGone} on the applier's thread; the watch sets a volatile flag and
 * unparks that thread from ZooKeeper's event thread.
 */
final class PrimaryWatch {
    static final long CHECK_MILLIS = 100;
    private static final long CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(CHECK_MILLIS);

    private ZooKeeper zk;
    private final UUID storeId;
    private volatile boolean changed;
    private final Watcher watcher;
    private long nextCheck;
    private boolean primarySeen;
    private long absentSince;

    PrimaryWatch(ZooKeeper zk, UUID storeId, Thread applier) {
        this.zk = zk;
        this.storeId = storeId;
        this.watcher = event -> {
            changed = true;
            LockSupport.unpark(applier);
        };
    }

    /**
     * Goes on with a new session (the last one expired): what it saw of the primary still holds, and the watch is set
     * again at the next look, which is now.
     */
    void reconnected(ZooKeeper session) {
        zk = session;
        changed = true;
    }

    /** Whether it is time to look at the node (and the ledger list with it). */
    boolean due(long now) {
        return changed || now >= nextCheck;
    }

    /** Whether the watch fired since the node was last looked at: an idle applier should not sleep. */
    boolean changed() {
        return changed;
    }

    /** Looks at the node, watching it; whether the primary is gone. */
    boolean primaryGone(long now) throws KeeperException, InterruptedException {
        nextCheck = now + CHECK_NANOS;
        changed = false;
        boolean alive = zk.exists(StoreZnodes.alive(storeId), watcher) != null;
        primarySeen |= alive;
        absentSince = alive ? 0 : absentSince == 0 ? now : absentSince;
        return !alive && (primarySeen || now - absentSince > zk.getSessionTimeout() * 1_000_000L);
    }

    /** Waits up to {@code nanos}, less when the watch fires; the applier's only way to wait. */
    void idle(long nanos) throws InterruptedException {
        if (!changed) {
            LockSupport.parkNanos(this, nanos);
        }
        if (Thread.interrupted()) {
            throw new InterruptedException("the standby's applier of store " + storeId + " was interrupted");
        }
    }
}

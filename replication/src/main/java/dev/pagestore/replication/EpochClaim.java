package dev.pagestore.replication;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Taking a store's next epoch: the {@code primary} znode set by compare-and-set and the ephemeral {@code alive} node
 * made in one ZooKeeper transaction, so that of two managers claiming at once (a restarted primary and its standby,
 * or two standbys) exactly one succeeds, and no claim succeeds while a primary is alive. The loser reads again and is
 * refused or waits.
 *
 * <ul>
 *   <li>The directory that holds the epoch (a restart) takes the next one once its earlier session has expired.</li>
 *   <li>Another directory takes it only in a takeover, and only while no primary is alive.</li>
 *   <li>A directory that held an epoch and lost it is refused: its log may hold writes never acknowledged.</li>
 * </ul>
 */
final class EpochClaim {
    private static final Logger LOG = LoggerFactory.getLogger(EpochClaim.class);

    /** The epoch taken, and the {@code primary} znode's version after it (the ledger list's change is checked on it). */
    record Claimed(long epoch, int primaryVersion) {
    }

    private EpochClaim() {
    }

    static Claimed take(ZooKeeper zk, ReplicationFile local, Path directory, boolean takeover)
            throws KeeperException, InterruptedException, IOException {
        UUID storeId = local.storeId();
        String path = StoreZnodes.primary(storeId);
        String where = host() + ":" + directory.toAbsolutePath() + " pid " + ProcessHandle.current().pid();
        long waitNanos = 3L * zk.getSessionTimeout() * 1_000_000;  // the negotiated session, not the one asked for
        long deadline = System.nanoTime() + waitNanos;
        while (true) {
            Stat stat = new Stat();
            StoreZnodes.Primary primary = null;
            try {
                primary = StoreZnodes.Primary.decode(path, zk.getData(path, false, stat));
            } catch (KeeperException.NoNodeException absent) {
                // the store's first primary
            }
            if (primary != null && !primary.owner().equals(local.directoryId()) && !takeover) {
                throw refusal(local, directory, primary);
            }
            boolean alive = zk.exists(StoreZnodes.alive(storeId), false) != null;
            if (alive && (primary == null || !primary.owner().equals(local.directoryId()))) {
                throw new IOException("a primary of store " + storeId + " is alive (" + StoreZnodes.alive(storeId)
                        + "): no takeover while it is");
            }
            if (alive) {  // this directory's own earlier run, killed: its session lasts until ZooKeeper expires it
                if (System.nanoTime() > deadline) {
                    throw new IOException("the session of an earlier primary of store " + storeId + " is still alive"
                            + " after " + waitNanos / 1_000_000 + " ms (" + StoreZnodes.alive(storeId) + ")");
                }
                LOG.info("waiting for the ZooKeeper session of the last primary of store {} to expire", storeId);
                Thread.sleep(100);
                continue;
            }
            long next = primary == null ? 1 : primary.epoch() + 1;
            byte[] claimed = new StoreZnodes.Primary(next, local.directoryId(), where).encode();
            Op epochOp = primary == null
                    ? Op.create(path, claimed, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT)
                    : Op.setData(path, claimed, stat.getVersion());
            Op aliveOp = Op.create(StoreZnodes.alive(storeId), ("epoch=" + next + "\nowner=" + local.directoryId()
                    + "\n").getBytes(StandardCharsets.UTF_8), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);
            try {
                List<OpResult> results = zk.multi(List.of(epochOp, aliveOp));
                int version = results.getFirst() instanceof OpResult.SetDataResult set ? set.getStat().getVersion()
                        : 0;
                return new Claimed(next, version);
            } catch (KeeperException.BadVersionException | KeeperException.NodeExistsException raced) {
                // another claimant between read and write: read again (and be refused, or wait for its session)
            }
        }
    }

    private static ReplicationRefusedException refusal(ReplicationFile local, Path directory,
            StoreZnodes.Primary primary) {
        if (local.claimedEpoch() == 0) {
            return new ReplicationRefusedException(directory + " is a standby of store " + local.storeId()
                    + ", whose primary is epoch " + primary.epoch() + " at " + primary.where() + ": start it with"
                    + " --standby");
        }
        return new ReplicationRefusedException("store " + local.storeId() + " has a newer primary: epoch "
                + primary.epoch() + " at " + primary.where() + ". This directory was primary before it, and its log"
                + " may hold writes that were never acknowledged, so it cannot serve again; make a new standby in an"
                + " empty directory");
    }

    private static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }
}

package dev.pagestore.replication;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.bookkeeper.client.api.BKException;
import org.apache.bookkeeper.client.api.BookKeeper;
import org.apache.bookkeeper.client.api.LedgerEntries;
import org.apache.bookkeeper.client.api.ReadHandle;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What a new primary does to the store's list of ledgers: fence the last, learn what its own held, add its own. */
final class StoreLedgers {
    private static final Logger LOG = LoggerFactory.getLogger(StoreLedgers.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    /** The ledger's custom metadata key naming the directory whose primary wrote it. */
    static final String OWNER_KEY = "pagestore-owner";

    private StoreLedgers() {
    }

    /** Fences the last ledger of the list (recovery open: its writer can add nothing more), closing it; the list. */
    static List<StoreZnodes.Ledger> fenceLast(ZooKeeper zk, BookKeeper bookKeeper, UUID storeId, byte[] password)
            throws KeeperException, InterruptedException, IOException, ExecutionException, TimeoutException {
        String path = StoreZnodes.ledgers(storeId);
        List<StoreZnodes.Ledger> ledgers = StoreZnodes.decodeLedgers(path, zk.getData(path, false, null));
        if (!ledgers.isEmpty()) {
            long last = ledgers.getLast().ledgerId();
            long started = System.nanoTime();
            try (ReadHandle fenced = open(bookKeeper, last, password, true)) {
                LOG.info("fenced ledger {} of store {} at entry {} in {} ms", last, storeId,
                        fenced.getLastAddConfirmed(), (System.nanoTime() - started) / 1_000_000);
            } catch (BKException e) {
                throw new IOException("closing ledger " + last + ": " + e, e);
            }
        }
        return ledgers;
    }

    /**
     * The last LSN that the ledgers written by {@code owner}'s primaries hold, back from the end of the list to the
     * first ledger another directory wrote (all are closed: the last was just fenced); -1 when they hold none. A
     * restart sends recovery's records again only above it.
     */
    static long heldLsn(BookKeeper bookKeeper, List<StoreZnodes.Ledger> ledgers, UUID owner, byte[] password)
            throws InterruptedException, ExecutionException, TimeoutException, IOException {
        byte[] ownerBytes = owner.toString().getBytes(StandardCharsets.UTF_8);
        for (int i = ledgers.size() - 1; i >= 0; i--) {
            long ledgerId = ledgers.get(i).ledgerId();
            try (ReadHandle handle = open(bookKeeper, ledgerId, password, false)) {
                byte[] writer = handle.getLedgerMetadata().getCustomMetadata().get(OWNER_KEY);
                if (writer == null || !java.util.Arrays.equals(writer, ownerBytes)) {
                    return -1;
                }
                long last = handle.getLastAddConfirmed();
                if (last < 0) {
                    continue;  // a start that died before its first commit was held
                }
                try (LedgerEntries entries = handle.read(last, last)) {
                    MemorySegment entry = MemorySegment.ofBuffer(entries.getEntry(last).getEntryNioBuffer());
                    String problem = ReplicationEntryDescriptor.check(entry);
                    if (problem != null) {
                        throw new IOException("ledger " + ledgerId + " entry " + last + ": " + problem);
                    }
                    return ReplicationEntryDescriptor.lastLsn(entry);
                }
            } catch (BKException e) {
                throw new IOException("reading ledger " + ledgerId + ": " + e, e);
            }
        }
        return -1;
    }

    /**
     * Adds {@code added} to the list in one transaction with a check that the {@code primary} znode is still at
     * {@code primaryVersion}: a manager that lost its epoch meanwhile adds nothing.
     */
    static void add(ZooKeeper zk, UUID storeId, StoreZnodes.Ledger added, int primaryVersion)
            throws KeeperException, InterruptedException, IOException {
        String path = StoreZnodes.ledgers(storeId);
        while (true) {
            Stat stat = new Stat();
            List<StoreZnodes.Ledger> ledgers = new ArrayList<>(
                    StoreZnodes.decodeLedgers(path, zk.getData(path, false, stat)));
            ledgers.add(added);
            try {
                zk.multi(List.of(Op.check(StoreZnodes.primary(storeId), primaryVersion),
                        Op.setData(path, StoreZnodes.encodeLedgers(ledgers), stat.getVersion())));
                return;
            } catch (KeeperException.ConnectionLossException lost) {
                // the transaction may or may not have happened: look, once ZooKeeper answers again
                if (listed(zk, path, added)) {
                    return;
                }
            } catch (KeeperException.BadVersionException raced) {
                Stat primary = zk.exists(StoreZnodes.primary(storeId), false);
                if (primary == null || primary.getVersion() != primaryVersion) {
                    throw new ReplicaFencedException("store " + storeId + " was taken over while this manager added"
                            + " its ledger " + added.ledgerId(), raced);
                }
                // only the list changed (it cannot while the epoch is ours, but read it again rather than guess)
            }
        }
    }

    /** Whether the list holds {@code added}, asking until ZooKeeper answers or {@link #TIMEOUT} passes. */
    private static boolean listed(ZooKeeper zk, String path, StoreZnodes.Ledger added)
            throws KeeperException, InterruptedException, IOException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (true) {
            try {
                return StoreZnodes.decodeLedgers(path, zk.getData(path, false, null)).contains(added);
            } catch (KeeperException.ConnectionLossException lost) {
                if (System.nanoTime() > deadline) {
                    throw lost;
                }
                Thread.sleep(50);
            }
        }
    }

    private static ReadHandle open(BookKeeper bookKeeper, long ledgerId, byte[] password, boolean recovery)
            throws InterruptedException, ExecutionException, TimeoutException {
        return bookKeeper.newOpenLedgerOp().withLedgerId(ledgerId).withPassword(password).withRecovery(recovery)
                .execute().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }
}

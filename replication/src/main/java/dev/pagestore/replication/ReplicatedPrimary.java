package dev.pagestore.replication;

import dev.pagestore.wal.LogReplica;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.bookkeeper.client.api.BookKeeper;
import org.apache.bookkeeper.client.api.DigestType;
import org.apache.bookkeeper.client.api.WriteHandle;
import org.apache.bookkeeper.conf.ClientConfiguration;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A manager's hold on its store as primary: the next epoch taken in ZooKeeper, the ledgers of earlier epochs fenced,
 * a new ledger added to the store's list, and the {@link LogReplica} that appends to it. Made before the WAL opens,
 * so that recovery's records already go to the new ledger; closed after the WAL.
 *
 * <p>The start, in order (each step changes nothing when an earlier one refused):
 * <ol>
 *   <li>{@code DIR/replication.properties} names the store and this directory's id. A new store writes it; a store
 *       made without replication is refused, since no ledger holds its log before the last checkpoint.</li>
 *   <li>The store's znode: its page size and capacity; made by a new store, checked by every later start.</li>
 *   <li>The epoch and the {@code alive} node, in one transaction ({@link EpochClaim}).</li>
 *   <li>The last ledger of the list opened with recovery: fenced, so a primary of an earlier epoch still running
 *       can append nothing more, and closed at what its quorum holds. The last LSN this directory's ledgers hold
 *       ({@link StoreLedgers#heldLsn}): recovery sends only the records above it.</li>
 *   <li>A new ledger, added to the list in one transaction with a check that the epoch is still this one's.</li>
 * </ol>
 * Later ledgers of the epoch come the same way, at checkpoints ({@link BookKeeperReplica}'s rollover).
 */
public final class ReplicatedPrimary implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ReplicatedPrimary.class);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

    private final ZooKeeper zk;
    private final BookKeeper bookKeeper;
    private final BookKeeperReplica replica;
    private final long epoch;
    private final ZooKeeperSession.ExpiryWatch expiry;

    private ReplicatedPrimary(ZooKeeper zk, BookKeeper bookKeeper, BookKeeperReplica replica, long epoch,
            ZooKeeperSession.ExpiryWatch expiry) {
        this.expiry = expiry;
        this.zk = zk;
        this.bookKeeper = bookKeeper;
        this.replica = replica;
        this.epoch = epoch;
    }

    /**
     * Takes store {@code storeId}, whose directory is {@code directory}, as its primary.
     *
     * @param newStore whether this start made the store (its first start); only then may replication begin
     * @param takeover  whether the epoch may be taken from another directory: a standby's promotion, once the
     *                  primary's session has ended; otherwise a directory that lost the epoch is refused
     * @throws ReplicationRefusedException when this directory may not be the store's primary (nothing changed)
     * @throws IOException when ZooKeeper or the bookies cannot be reached or refuse
     */
    public static ReplicatedPrimary start(ReplicationConfig config, Path directory, UUID storeId,
            StoreShape shape, boolean newStore, boolean takeover) throws IOException {
        ReplicationFile local = localFile(config, directory, storeId, newStore);
        ReplicationClients clients = ReplicationClients.connect(config, CONNECT_TIMEOUT);
        return claim(config, directory, local, shape, takeover, clients.zk(), clients.bookKeeper(), clients.expiry());
    }

    /**
     * A standby's takeover with the clients it already holds, warm (a new BookKeeper client takes half a second):
     * they are the new primary's from now on, closed by its {@link #close}.
     */
    static ReplicatedPrimary takeOver(ReplicationConfig config, Path directory, UUID storeId, StoreShape shape,
            ZooKeeper zk, BookKeeper bookKeeper, ZooKeeperSession.ExpiryWatch expiry) throws IOException {
        ReplicationFile local;
        try {
            local = localFile(config, directory, storeId, false);
        } catch (IOException | RuntimeException e) {
            closeAll(zk, bookKeeper);
            throw e;
        }
        return claim(config, directory, local, shape, true, zk, bookKeeper, expiry);
    }

    /** The claim itself, with clients it owns from now on: closed here when it fails. */
    private static ReplicatedPrimary claim(ReplicationConfig config, Path directory, ReplicationFile local,
            StoreShape shape, boolean takeover, ZooKeeper zk, BookKeeper bookKeeper,
            ZooKeeperSession.ExpiryWatch expiry) throws IOException {
        UUID storeId = local.storeId();
        long started = System.nanoTime();
        try {
            checkStore(zk, local, shape);
            EpochClaim.Claimed claimed = EpochClaim.take(zk, local, directory, takeover);
            long epoch = claimed.epoch();
            local.withClaimedEpoch(epoch).write(directory);
            long claimedAt = System.nanoTime();
            byte[] password = storeId.toString().getBytes(StandardCharsets.UTF_8);
            List<StoreZnodes.Ledger> ledgers = StoreLedgers.fenceLast(zk, bookKeeper, storeId, password);
            long heldLsn = StoreLedgers.heldLsn(bookKeeper, ledgers, local.directoryId(), password);
            long fencedAt = System.nanoTime();
            UUID directoryId = local.directoryId();
            int primaryVersion = claimed.primaryVersion();
            WriteHandle ledger = newLedger(config, bookKeeper, storeId, epoch, directoryId, password);
            StoreLedgers.add(zk, storeId, new StoreZnodes.Ledger(ledger.getId(), epoch), primaryVersion);
            long now = System.nanoTime();
            LOG.info("primary of store {} at epoch {}: its log goes to ledger {} ({}/{}/{}) through {} (epoch {} ms,"
                    + " fence {} ms, ledger {} ms)", storeId, epoch, ledger.getId(), config.ensembleSize(),
                    config.writeQuorum(), config.ackQuorum(), config.metadataServiceUri(),
                    (claimedAt - started) / 1_000_000, (fencedAt - claimedAt) / 1_000_000,
                    (now - fencedAt) / 1_000_000);
            BookKeeperReplica.NextLedger next = new BookKeeperReplica.NextLedger() {
                @Override
                public WriteHandle create() throws IOException {
                    try {
                        return newLedger(config, bookKeeper, storeId, epoch, directoryId, password);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new InterruptedIOException("interrupted making a new ledger for store " + storeId);
                    } catch (ExecutionException | TimeoutException e) {
                        throw new IOException("the bookies could not make a new ledger for store " + storeId + ": "
                                + (e.getCause() != null ? e.getCause() : e), e);
                    }
                }

                @Override
                public void list(WriteHandle made) throws IOException {
                    try {
                        StoreLedgers.add(zk, storeId, new StoreZnodes.Ledger(made.getId(), epoch), primaryVersion);
                    } catch (KeeperException e) {
                        throw new IOException("ZooKeeper at " + config.zookeeperConnectString() + " refused ledger "
                                + made.getId() + " of store " + storeId + ": " + e, e);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new InterruptedIOException("interrupted listing ledger " + made.getId());
                    }
                }
            };
            return new ReplicatedPrimary(zk, bookKeeper, new BookKeeperReplica(ledger, next,
                    config.ledgerRollBytes(), "store " + storeId, config.addTimeout(), heldLsn), epoch, expiry);
        } catch (KeeperException e) {
            closeAll(zk, bookKeeper);
            throw new IOException("ZooKeeper at " + config.zookeeperConnectString() + " refused " + e.getPath()
                    + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            closeAll(zk, bookKeeper);
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted taking store " + storeId + " as primary");
        } catch (ExecutionException | TimeoutException e) {
            closeAll(zk, bookKeeper);
            throw new IOException("the bookies at " + config.metadataServiceUri() + " could not make a ledger for"
                    + " store " + storeId + ": " + (e.getCause() != null ? e.getCause() : e), e);
        } catch (IOException | RuntimeException e) {
            closeAll(zk, bookKeeper);
            throw e;
        }
    }

    /** A new ledger of this primary's epoch, its custom metadata naming the store, the epoch and the directory. */
    private static WriteHandle newLedger(ReplicationConfig config, BookKeeper bookKeeper, UUID storeId, long epoch,
            UUID directoryId, byte[] password) throws ExecutionException, InterruptedException, TimeoutException {
        return bookKeeper.newCreateLedgerOp().withEnsembleSize(config.ensembleSize())
                .withWriteQuorumSize(config.writeQuorum()).withAckQuorumSize(config.ackQuorum())
                .withDigestType(DigestType.CRC32C).withPassword(password)
                .withCustomMetadata(Map.of("pagestore-store", bytes(storeId.toString()),
                        "pagestore-epoch", bytes(Long.toString(epoch)),
                        StoreLedgers.OWNER_KEY, bytes(directoryId.toString())))
                .execute().get(CONNECT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static ReplicationFile localFile(ReplicationConfig config, Path directory, UUID storeId,
            boolean newStore) throws IOException {
        Optional<ReplicationFile> found = ReplicationFile.read(directory);
        if (found.isEmpty()) {
            if (!newStore) {
                throw new ReplicationRefusedException("store " + storeId + " in " + directory + " was made without"
                        + " replication: no ledger holds its log before its last checkpoint, so no standby could"
                        + " rebuild it. Make a new store with --replicate and copy the pages into it");
            }
            ReplicationFile made = new ReplicationFile(storeId, UUID.randomUUID(), config.metadataServiceUri(), 0);
            made.write(directory);
            return made;
        }
        ReplicationFile file = found.get();
        if (!file.storeId().equals(storeId)) {
            throw new ReplicationRefusedException(directory.resolve(ReplicationFile.NAME) + " names store "
                    + file.storeId() + ", the directory holds store " + storeId + ": it was copied from another"
                    + " directory; restore the directory whole");
        }
        if (!file.metadataServiceUri().equals(config.metadataServiceUri())) {
            throw new ReplicationRefusedException("store " + storeId + " replicates through "
                    + file.metadataServiceUri() + ", not " + config.metadataServiceUri() + "; start it with"
                    + " --replicate " + file.metadataServiceUri());
        }
        return file;
    }

    private static void checkStore(ZooKeeper zk, ReplicationFile local, StoreShape shape)
            throws KeeperException, InterruptedException, IOException {
        String path = StoreZnodes.store(local.storeId());
        Stat stat = zk.exists(path, false);
        if (stat == null) {
            if (local.claimedEpoch() > 0) {
                throw new ReplicationRefusedException("the metadata service " + local.metadataServiceUri()
                        + " has no record of store " + local.storeId() + ", which this directory served at epoch "
                        + local.claimedEpoch() + ": its ledger list is lost, or this is another ZooKeeper");
            }
            ZooKeeperSession.ensure(zk, StoreZnodes.ROOT, new byte[0]);
            ZooKeeperSession.ensure(zk, StoreZnodes.STORES, new byte[0]);
            ZooKeeperSession.ensure(zk, path, StoreZnodes.encodeShape(shape));
            ZooKeeperSession.ensure(zk, StoreZnodes.ledgers(local.storeId()), new byte[0]);
        }
        StoreShape recorded = StoreZnodes.decodeShape(path, zk.getData(path, false, null));
        if (!recorded.equals(shape)) {
            throw new ReplicationRefusedException("store " + local.storeId() + " has " + recorded.capacityPages()
                    + " pages of " + recorded.pageSizeBytes() + " bytes in " + local.metadataServiceUri()
                    + ", this directory " + shape.capacityPages() + " of " + shape.pageSizeBytes());
        }
    }

    static ClientConfiguration clientConfiguration(ReplicationConfig config) {
        ClientConfiguration conf = new ClientConfiguration();
        conf.setMetadataServiceUri(config.metadataServiceUri());
        conf.setAddEntryTimeout((int) config.addTimeout().toSeconds());
        conf.setZkTimeout((int) config.sessionTimeout().toMillis());
        // with no spare bookie an ensemble change fails; change only when the ack quorum can no longer be met
        conf.setDelayEnsembleChange(true);
        // tell readers (a standby) the last entry without waiting for the next add
        conf.setExplictLacInterval(100);  // sic: BookKeeper's spelling
        conf.setNumWorkerThreads(2);
        conf.setNumIOThreads(2);
        return conf;
    }

    /**
     * Runs {@code action} if this primary's ZooKeeper session expires: its {@code alive} node is gone, a standby may
     * be taking the store over, and this manager must stop serving, even reads (an idle primary would otherwise learn
     * of the takeover only at its next commit).
     */
    public void whenSessionLost(Runnable action) {
        expiry.set(action);
    }

    /** The replica the WAL appends to. */
    public LogReplica replica() {
        return replica;
    }

    public long epoch() {
        return epoch;
    }

    /** The ledger it appends to now: its first until a checkpoint rolls it to the next. */
    public long ledgerId() {
        return replica.ledgerId();
    }

    /** Entries and bytes sent to the ledger so far. */
    public long entriesSent() {
        return replica.entriesSent();
    }

    public long bytesSent() {
        return replica.bytesSent();
    }

    /**
     * Closes the ledger at what its quorum holds, then the clients; the {@code alive} node goes with the session.
     * Call after the WAL is closed.
     */
    @Override
    public void close() {
        replica.discard();
        try {
            replica.closeLedger(CONNECT_TIMEOUT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // a fenced or unreachable ledger: the next primary's recovery closes it
            LOG.warn("ledger {} not closed ({}); the next primary closes it by recovery", replica.ledgerId(),
                    e.getCause() != null ? e.getCause() : e);
        }
        closeAll(zk, bookKeeper);
    }

    private static void closeAll(ZooKeeper zk, BookKeeper bookKeeper) {
        if (bookKeeper != null) {
            try {
                bookKeeper.close();
            } catch (Exception e) {
                LOG.debug("closing the BookKeeper client", e);
            }
        }
        ZooKeeperSession.close(zk);
    }

    private static byte[] bytes(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }
}

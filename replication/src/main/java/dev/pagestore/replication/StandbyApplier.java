package dev.pagestore.replication;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.bookkeeper.client.api.BookKeeper;
import org.apache.bookkeeper.client.api.LedgerEntries;
import org.apache.bookkeeper.client.api.LedgerEntry;
import org.apache.bookkeeper.client.api.ReadHandle;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooKeeper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A standby's reader of the store's log: applies the ledgers' records, in the order of the store's list, to the
 * standby's own store through a {@link PageSink}, records how far it got ({@link AppliedPosition}) once that is
 * durable, and watches the primary's {@code alive} node ({@link PrimaryWatch}). When the node is gone (the primary's
 * ZooKeeper session ended), it stops and tells its owner, which takes the store over ({@link ReplicatedPrimary}, with
 * takeover) and then calls {@link #takeOver}, which applies what the old primary's quorum held before the new primary
 * serves writes. Failures of ZooKeeper or the bookies that pass are waited out ({@link Retries}), however long.
 *
 * <p>It reads only what a ledger's quorum confirmed: the last-add-confirmed the writer publishes (every 100 ms when
 * idle), and a closed ledger's final length. A ledger the list has moved past was closed (by its writer at a
 * checkpoint, or by the next primary's fencing), so it is read to its end before the next one.
 */
public final class StandbyApplier implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StandbyApplier.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final int ENTRIES_PER_READ = 64;
    private static final long IDLE_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final long POSITION_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    private final ReplicationConfig config;
    private final UUID storeId;
    private final Path directory;
    private final PageSink sink;
    private final byte[] password;
    /** Its own session: replaced (on the applier's thread) if it expires while following, for it holds nothing. */
    private volatile ZooKeeper zk;
    private final BookKeeper bookKeeper;
    private final ZooKeeperSession.ExpiryWatch expiry;
    private volatile AppliedPosition position;
    /** {@link #position} is ahead of {@code DIR/standby.position}; written at {@link #positionWrittenAt}. */
    private boolean positionDirty;
    private long positionWrittenAt;
    private volatile boolean stopping;
    /** The clients went to the new primary at a takeover: {@link #close} leaves them to it. */
    private volatile boolean clientsHandedOver;
    /** Applying failed: the position is not recorded at close (a write before it may have failed). */
    private volatile boolean failed;
    private volatile long recordsApplied;
    /** The LSN of the primary's log applied through: the last applied entry's. */
    private long appliedLsn;
    private volatile Thread thread;
    /** The list's last ledger, kept open while its writer appends (the applier's thread only). */
    private ReadHandle open;

    private StandbyApplier(ReplicationConfig config, UUID storeId, Path directory, PageSink sink, ZooKeeper zk,
            BookKeeper bookKeeper, AppliedPosition position, ZooKeeperSession.ExpiryWatch expiry) {
        this.expiry = expiry;
        this.config = config;
        this.storeId = storeId;
        this.directory = directory;
        this.sink = sink;
        this.zk = zk;
        this.bookKeeper = bookKeeper;
        this.position = position;
        this.password = storeId.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Connects and resumes at the position {@code directory} records; call {@link #start} to begin applying. */
    public static StandbyApplier open(ReplicationConfig config, UUID storeId, Path directory, PageSink sink)
            throws IOException {
        AppliedPosition position = AppliedPosition.read(directory);
        // the primary's clients: at a takeover they become the new primary's
        ReplicationClients clients = ReplicationClients.connect(config, TIMEOUT);
        return new StandbyApplier(config, storeId, directory, sink, clients.zk(), clients.bookKeeper(), position,
                clients.expiry());
    }

    /**
     * Applies on a thread of its own until the primary is gone or {@link #close}; then runs {@code onPrimaryLost}
     * (on that thread) when the primary is gone, or {@code onFailure} when applying failed.
     */
    public void start(Runnable onPrimaryLost, java.util.function.Consumer<Throwable> onFailure) {
        thread = new Thread(() -> {
            try {
                if (follow()) {
                    onPrimaryLost.run();
                }
            } catch (Throwable t) {
                failed = true;
                if (!stopping) {
                    onFailure.accept(t);
                }
            }
        }, "pagestore-standby");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Applies until the primary's alive node is gone (true) or this is closed (false). Failures of ZooKeeper or the
     * bookies that pass ({@link Retries}) are waited out, the open ledger opened again, an expired session replaced.
     */
    private boolean follow() throws Exception {
        PrimaryWatch watch = new PrimaryWatch(zk, storeId, Thread.currentThread());
        Retries retries = new Retries();
        List<StoreZnodes.Ledger> ledgers = List.of();
        try {
            while (!stopping) {
                long now = System.nanoTime();
                long waitNanos;
                try {
                    if (zk == null) {
                        zk = ZooKeeperSession.connect(config.zookeeperConnectString(), config.sessionTimeout(),
                                TIMEOUT, expiry);
                        watch.reconnected(zk);
                    }
                    if (watch.due(now)) {
                        if (watch.primaryGone(now)) {
                            LOG.warn("the primary of store {} is gone (its ZooKeeper session ended): taking over",
                                    storeId);
                            return true;
                        }
                        String path = StoreZnodes.ledgers(storeId);
                        ledgers = StoreZnodes.decodeLedgers(path, zk.getData(path, false, null));
                    }
                    waitNanos = ledgers.isEmpty() ? TimeUnit.MILLISECONDS.toNanos(PrimaryWatch.CHECK_MILLIS)
                            : applyNext(ledgers) ? 0 : IDLE_NANOS;
                    if (ledgers.isEmpty()) {
                        sink.progress(appliedLsn, true);
                    }
                    retries.onSuccess();
                } catch (InterruptedException e) {
                    throw e;
                } catch (KeeperException.SessionExpiredException e) {
                    // An expired ZooKeeper session never comes back, so retrying on it would fail for ever. A standby
                    // keeps no ephemeral node or watch that others rely on: a new session at the loop's top is safe.
                    LOG.warn("the ZooKeeper session of the standby of store {} expired: connecting again", storeId);
                    ZooKeeperSession.close(zk);
                    zk = null;
                    waitNanos = 0;
                } catch (Exception e) {
                    waitNanos = retries.onFailure(e);
                    if (retries.failures() == 1 || retries.failures() % 20 == 0) {
                        LOG.warn("the standby of store {} could not read its ledgers ({}): trying again ({} failures so"
                                + " far)", storeId, e.toString(), retries.failures());
                    }
                    closeOpen();  // opened again: its connections may be the broken part
                }
                if (waitNanos > 0) {
                    watch.idle(waitNanos);
                }
            }
            return false;
        } finally {
            closeOpen();
        }
    }

    /**
     * Applies what the ledger at the position holds and the list confirms; whether anything was. A ledger the list
     * has moved past was closed, by its writer's rollover or by the next primary's fencing: it is read to its end,
     * and the position moves on.
     */
    private boolean applyNext(List<StoreZnodes.Ledger> ledgers) throws Exception {
        int index = indexOf(ledgers, position.ledgerId());
        if (index < 0) {
            index = 0;
            position = new AppliedPosition(ledgers.getFirst().ledgerId(), 0);
        }
        long ledgerId = ledgers.get(index).ledgerId();
        if (index < ledgers.size() - 1) {
            if (open != null && open.getId() == ledgerId) {
                closeOpen();
            }
            try (ReadHandle handle = openLedger(ledgerId)) {
                if (!handle.isClosed()) {
                    // a primary closes its ledger, or fences the last, before it lists the next: never so
                    // or this client's metadata lags the list (another ZooKeeper server): wait for it
                    throw new Retries.NotYetVisible("ledger " + ledgerId + " of store " + storeId + " is followed by "
                            + ledgers.get(index + 1).ledgerId() + " but is not closed");
                }
                applyUpTo(handle, ledgerId, handle.getLastAddConfirmed());
                sink.progress(appliedLsn, false);
            }
            position = new AppliedPosition(ledgers.get(index + 1).ledgerId(), 0);
            return true;
        }
        if (open == null || open.getId() != ledgerId) {
            closeOpen();
            open = openLedger(ledgerId);
        }
        boolean applied = applyUpTo(open, ledgerId, open.readLastAddConfirmed());
        sink.progress(appliedLsn, true);
        return applied;
    }

    private void closeOpen() {
        if (open != null) {
            try {
                open.close();
            } catch (Exception e) {
                LOG.debug("closing a ledger's read handle", e);
            }
            open = null;
        }
    }

    private ReadHandle openLedger(long ledgerId) throws Exception {
        return bookKeeper.newOpenLedgerOp().withLedgerId(ledgerId).withPassword(password).withRecovery(false)
                .execute().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    private boolean applyUpTo(ReadHandle handle, long ledgerId, long lastEntry) throws Exception {
        boolean applied = false;
        while (position.nextEntry() <= lastEntry) {
            long first = position.nextEntry();
            long to = Math.min(lastEntry, first + ENTRIES_PER_READ - 1);
            try (LedgerEntries entries = handle.read(first, to)) {
                for (LedgerEntry entry : entries) {
                    String where = "ledger " + ledgerId + " entry " + entry.getEntryId();
                    MemorySegment bytes = MemorySegment.ofBuffer(entry.getEntryNioBuffer());
                    recordsApplied += EntryRecords.forEach(bytes, where,
                            record -> {
                                try {
                                    sink.apply(record);
                                } catch (IOException | RuntimeException e) {
                                    throw new IOException(where + " of store " + storeId + ": " + e.getMessage(), e);
                                }
                            });
                    appliedLsn = ReplicationEntryDescriptor.lastLsn(bytes);  // checked by forEach
                }
            }
            position = new AppliedPosition(ledgerId, to + 1);
            positionDirty = true;
            applied = true;
        }
        if (positionDirty && (!applied || System.nanoTime() - positionWrittenAt >= POSITION_NANOS)) {
            persistPosition();
        }
        return applied;
    }

    /**
     * Records the position once what it names is durable. Not after every read: the file is a restart's starting
     * point only, and one further behind costs a restart a few records applied again (page images, so harmless),
     * while an fsync per read would cost the standby its pace.
     */
    private void persistPosition() throws IOException {
        sink.sync();
        position.write(directory);
        positionWrittenAt = System.nanoTime();
        positionDirty = false;
    }

    private static int indexOf(List<StoreZnodes.Ledger> ledgers, long ledgerId) {
        for (int i = 0; i < ledgers.size(); i++) {
            if (ledgers.get(i).ledgerId() == ledgerId) {
                return i;
            }
        }
        return -1;
    }

    /**
     * After the takeover made {@code newLedgerId} and fenced the ledgers before it: applies every entry of those
     * ledgers not yet applied, so the new primary holds every write the old one acknowledged.
     */
    private void applyRest(long newLedgerId) throws IOException {
        awaitStopped();
        try {
            String path = StoreZnodes.ledgers(storeId);
            List<StoreZnodes.Ledger> ledgers = StoreZnodes.decodeLedgers(path, zk.getData(path, false, null));
            int index = Math.max(0, indexOf(ledgers, position.ledgerId()));
            for (; index < ledgers.size() && ledgers.get(index).ledgerId() != newLedgerId; index++) {
                long ledgerId = ledgers.get(index).ledgerId();
                if (ledgerId != position.ledgerId()) {
                    position = new AppliedPosition(ledgerId, 0);
                }
                try (ReadHandle handle = bookKeeper.newOpenLedgerOp().withLedgerId(ledgerId).withPassword(password)
                        .withRecovery(true).execute().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                    applyUpTo(handle, ledgerId, handle.getLastAddConfirmed());
                }
            }
            persistPosition();  // the tail is durable before the new primary serves a write
        } catch (IOException e) {
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted applying the old primary's tail");
        } catch (Exception e) {
            throw new IOException("applying the old primary's tail of store " + storeId + ": " + e, e);
        }
    }

    /**
     * Takes the store over: stops applying, takes the next epoch and a new ledger with this applier's clients (warm:
     * no new connections on the failover's path), applies what the old primary's ledgers hold beyond the position,
     * and hands the clients to the new primary.
     */
    public ReplicatedPrimary takeOver(StoreShape shape) throws IOException {
        awaitStopped();
        clientsHandedOver = true;
        ReplicatedPrimary primary = ReplicatedPrimary.takeOver(config, directory, storeId, shape, zk, bookKeeper,
                expiry);
        try {
            applyRest(primary.ledgerId());
        } catch (IOException | RuntimeException e) {
            primary.close();
            throw e;
        }
        return primary;
    }

    /** Records applied since this standby started. */
    public long recordsApplied() {
        return recordsApplied;
    }

    /** How far it has applied. */
    public AppliedPosition position() {
        return position;
    }

    private void awaitStopped() throws InterruptedIOException {
        stopping = true;
        if (thread != null && thread != Thread.currentThread()) {
            LockSupport.unpark(thread);  // out of a backoff or an idle wait at once
            try {
                thread.join(TIMEOUT.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted stopping the standby's applier");
            }
        }
    }

    @Override
    public void close() {
        try {
            awaitStopped();
        } catch (InterruptedIOException ignored) {
            // closing anyway
        }
        if (clientsHandedOver) {
            return;
        }
        if (positionDirty && !failed && (thread == null || !thread.isAlive())) {
            try {
                persistPosition();
            } catch (IOException | RuntimeException e) {
                LOG.warn("the standby of store {} could not record its position {} ({}): a restart applies again from"
                        + " the one recorded before", storeId, position, e.toString());
            }
        }
        try {
            bookKeeper.close();
        } catch (Exception e) {
            LOG.debug("closing the BookKeeper client", e);
        }
        ZooKeeper session = zk;
        if (session != null) {
            ZooKeeperSession.close(session);
        }
    }
}

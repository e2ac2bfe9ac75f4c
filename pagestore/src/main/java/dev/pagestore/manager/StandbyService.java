package dev.pagestore.manager;

import dev.pagestore.client.ClientOptions;
import dev.pagestore.client.PageStoreClient;
import dev.pagestore.client.PageStoreException;
import dev.pagestore.replication.AppliedPosition;
import dev.pagestore.replication.HandoverReplica;
import dev.pagestore.replication.PageSink;
import dev.pagestore.replication.ReplicatedPrimary;
import dev.pagestore.replication.ReplicationConfig;
import dev.pagestore.replication.StandbyApplier;
import dev.pagestore.replication.StoreShape;
import dev.pagestore.status.StatusRegionDescriptor;
import dev.pagestore.wal.WalRecordDescriptor;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A standby manager's work: the primary's records applied to this store through a client of the manager's own
 * process (the one channel its write gate lets write), so that they take the path every write takes (this store's
 * log, page order, the page versions workers' caches check); then, when the primary is gone, the takeover: the next
 * epoch, the old primary's ledger fenced and its tail applied, this log handed to a new ledger, and the write gate
 * opened. Until then workers read pages as of the position applied, and their writes are answered READ_ONLY.
 */
final class StandbyService implements AutoCloseable, PageSink {
    private static final Logger LOG = LoggerFactory.getLogger(StandbyService.class);
    private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(60);

    private final ReplicationConfig config;
    private final Path directory;
    private final UUID storeId;
    private final StoreShape shape;
    private final HandoverReplica handover;
    private final WriteGate writes;
    private final Consumer<ReplicatedPrimary> promoted;
    private final PageStoreClient client;
    private final StandbyApplier applier;
    /** The applier's writes not yet known complete, oldest first, and how many pages (request slots) they hold. */
    private final ArrayDeque<CompletableFuture<Void>> inFlight = new ArrayDeque<>();
    private final ArrayDeque<Integer> inFlightPages = new ArrayDeque<>();
    private int pagesInFlight;
    /** At most this many pages in flight: half the client's request slots, so an asynchronous write finds one. */
    private final int window;
    private final Consumer<Throwable> onFatal;
    private final StatusRegion status;
    /** The first write of the applier's that failed: every later apply and sync fails with it. */
    private IOException failed;

    private StandbyService(ReplicationConfig config, Path directory, UUID storeId, StoreShape shape,
            HandoverReplica handover, WriteGate writes, StatusRegion status, Consumer<ReplicatedPrimary> promoted,
            Consumer<Throwable> onFatal) throws IOException {
        this.onFatal = onFatal;
        this.status = status;
        this.config = config;
        this.directory = directory;
        this.storeId = storeId;
        this.shape = shape;
        this.handover = handover;
        this.writes = writes;
        this.promoted = promoted;
        this.client = PageStoreClient.attach(directory, ClientOptions.defaults().withClientName("standby-applier"));
        this.window = Math.max(1, client.capacity() / 2);
        try {
            this.applier = StandbyApplier.open(config, storeId, directory, this);
        } catch (IOException | RuntimeException e) {
            client.close();
            throw e;
        }
    }

    /**
     * Opens the store to its workers: a primary (or an unreplicated store) is RUNNING, and null; a standby serves
     * reads, with its service applying the ledgers until it takes over (writes open, state RUNNING, {@code promoted}
     * told the new primary's hold).
     */
    static StandbyService serve(ReplicatedStart replicated, ManagerConfig config, Path directory, UUID storeId,
            WriteGate writes, StatusRegion status, Consumer<ReplicatedPrimary> promoted, Consumer<Throwable> onFatal)
            throws IOException {
        if (replicated == null || replicated.handover() == null) {
            status.state(StatusRegionDescriptor.STATE_RUNNING);  // its writes were opened before it listened
            return null;
        }
        status.state(StatusRegionDescriptor.STATE_STANDBY);
        return start(config.replication(), directory, storeId, replicated.shape(), replicated.handover(),
                writes, status, taken -> {
                    promoted.accept(taken);
                    status.state(StatusRegionDescriptor.STATE_RUNNING);  // after the gate: clients may write now
                    status.setGlobal(StatusRegionDescriptor.STANDBY_APPLIED_LSN, 0);  // a primary's are 0
                    status.setGlobal(StatusRegionDescriptor.STANDBY_CAUGHT_UP_MILLIS, 0);
                }, onFatal);
    }

    /** Starts applying; {@code promoted} is told the new primary, {@code onFatal} a failure of either. */
    static StandbyService start(ReplicationConfig config, Path directory, UUID storeId, StoreShape shape,
            HandoverReplica handover, WriteGate writes, StatusRegion status, Consumer<ReplicatedPrimary> promoted,
            Consumer<Throwable> onFatal) throws IOException {
        StandbyService service = new StandbyService(config, directory, storeId, shape, handover, writes, status,
                promoted, onFatal);
        service.applier.start(() -> {
            try {
                service.promote();
            } catch (Throwable t) {
                onFatal.accept(new IOException("the standby of store " + storeId + " could not take over: " + t, t));
            }
        }, t -> onFatal.accept(new IOException("the standby of store " + storeId + " stopped applying: " + t, t)));
        LOG.info("standby of store {}: applying its ledgers from {}", storeId, service.applier.position());
        return service;
    }

    private void promote() throws IOException {
        long started = System.nanoTime();
        long followed = applier.recordsApplied();
        ReplicatedPrimary primary = applier.takeOver(shape);
        long tookOver = System.nanoTime();
        primary.whenSessionLost(() -> onFatal.accept(ReplicatedStart.sessionLost(storeId)));
        boolean done = false;
        try {
            handover.handOver(primary.replica());
            writes.open();
            promoted.accept(primary);
            done = true;
            AppliedPosition.finish(directory);  // the takeover is over: a restart starts as the primary
        } finally {
            if (!done) {
                primary.close();
            }
        }
        long now = System.nanoTime();
        LOG.warn("took store {} over: primary at epoch {}, writes served from now on ({} ms after the old primary"
                + " was found gone: epoch, ledgers and a tail of {} records {} ms, hand-over {} ms)", storeId,
                primary.epoch(), (now - started) / 1_000_000, applier.recordsApplied() - followed,
                (tookOver - started) / 1_000_000, (now - tookOver) / 1_000_000);
    }

    @Override
    public void apply(MemorySegment record) throws IOException {
        int count = WalRecordDescriptor.pageCount(record, 0);
        int pageSize = WalRecordDescriptor.pageSize(record, 0);
        if (pageSize != shape.pageSizeBytes()) {
            throw new IOException("a record of " + pageSize + "-byte pages in a store of " + shape.pageSizeBytes());
        }
        for (int i = 0; i < count; i++) {
            long page = WalRecordDescriptor.pageNumber(record, 0, i);
            if (page < 0 || page >= shape.capacityPages()) {
                throw new IOException("a record names page " + page + ", outside the store's " + shape.capacityPages()
                        + " pages");
            }
        }
        if (count > client.batchPagesMax()) {
            throw new IOException("a group of " + count + " pages, more than this standby's " + client.batchPagesMax()
                    + " (its ring capacity is smaller than the primary's)");
        }
        if (failed != null) {
            throw failed;
        }
        try {
            while (pagesInFlight > 0 && pagesInFlight + count > window) {
                completeOldest();
            }
            CompletableFuture<Void> write;
            if (count == 1) {
                write = client.writeAsync(WalRecordDescriptor.pageNumber(record, 0, 0),
                        record.asSlice(WalRecordDescriptor.pageImageOffset(0, 1, pageSize), pageSize), WRITE_TIMEOUT);
            } else {
                long[] pages = new long[count];
                byte[][] images = new byte[count][];
                for (int i = 0; i < count; i++) {
                    pages[i] = WalRecordDescriptor.pageNumber(record, 0, i);
                    images[i] = record.asSlice(WalRecordDescriptor.pageImageOffset(i, count, pageSize), pageSize)
                            .toArray(ValueLayout.JAVA_BYTE);
                }
                write = client.writeBatchAsync(pages, images, WRITE_TIMEOUT);
            }
            inFlight.addLast(write);
            inFlightPages.addLast(count);
            pagesInFlight += count;
        } catch (PageStoreException e) {
            throw fail(e);
        }
    }

    /**
     * Waits for the oldest write. A failed one fails this sink for good: the applier's position may already be past
     * it, so no later {@link #sync} may say the records before the position are durable.
     */
    private void completeOldest() throws IOException {
        CompletableFuture<Void> oldest = inFlight.removeFirst();
        pagesInFlight -= inFlightPages.removeFirst();
        try {
            oldest.join();
        } catch (CompletionException e) {
            throw fail(e.getCause() != null ? e.getCause() : e);
        }
    }

    private IOException fail(Throwable cause) {
        if (failed == null) {
            failed = new IOException("applying a record to store " + storeId + ": " + cause, cause);
        }
        return failed;
    }

    @Override
    public void sync() throws IOException {
        while (!inFlight.isEmpty()) {
            completeOldest();
        }
        if (failed != null) {
            throw failed;
        }
    }

    /** Publishes how far this standby is in its status region, where {@code pagestore stat} shows it. */
    @Override
    public void progress(long appliedLsn, boolean caughtUp) {
        status.setGlobal(StatusRegionDescriptor.STANDBY_APPLIED_LSN, appliedLsn);
        if (caughtUp) {
            status.setGlobal(StatusRegionDescriptor.STANDBY_CAUGHT_UP_MILLIS, System.currentTimeMillis());
        }
    }

    @Override
    public void close() {
        applier.close();
        client.close();
    }
}

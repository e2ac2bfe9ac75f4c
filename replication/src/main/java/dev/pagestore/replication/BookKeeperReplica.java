package dev.pagestore.replication;

import dev.pagestore.wal.LogReplica;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.bookkeeper.client.api.BKException;
import org.apache.bookkeeper.client.api.WriteHandle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The log's records in a BookKeeper ledger: each commit becomes one entry (or several, past
 * {@link ReplicationConfig#ENTRY_BYTES_MAX}), appended without waiting, and a commit is held once its last entry is
 * acknowledged by the ack quorum. BookKeeper acknowledges entries of a ledger in order, so the last entry's
 * acknowledgement covers every earlier one.
 *
 * <p>A ledger fenced by another manager's recovery open ({@code LedgerFencedException}) means the store has another
 * primary: {@link ReplicaFencedException}, which fails the log and so stops this manager.
 *
 * <p>Rollover: at the first checkpoint after the ledger holds {@link ReplicationConfig#ledgerRollBytes}, the next
 * send makes the next ledger, closes the current one (nothing is outstanding: the writer awaited the last send), adds
 * the next to the store's list and goes on in it ({@link NextLedger}). Closed first, listed second, so a standby that
 * sees the new ledger finds the old one closed and reads it to its end. A new ledger the bookies cannot make now only
 * puts the roll off to the next checkpoint; a close or a listing that fails fails the log.
 *
 * <p>Thread safety: one thread at a time (as {@link LogReplica}); {@link #checkpointed} from any thread.
 */
public final class BookKeeperReplica implements LogReplica {
    private static final Logger LOG = LoggerFactory.getLogger(BookKeeperReplica.class);

    /** This primary's next ledgers. */
    interface NextLedger {
        /** A new ledger of this primary's epoch, not yet in the store's list. */
        WriteHandle create() throws IOException;

        /** Adds {@code ledger} to the store's list, checking the epoch is still this primary's. */
        void list(WriteHandle ledger) throws IOException;
    }

    private WriteHandle ledger;
    private final NextLedger nextLedger;
    private final long rollBytes;
    /** Bytes sent to the current ledger: read by the checkpointing thread. */
    private volatile long ledgerBytes;
    private volatile boolean rollDue;
    private final String storeName;
    private final long timeoutNanos;
    private ByteBuf entry;
    /** Full entries of the commit under way, sent together after its local fdatasync. */
    private final java.util.ArrayDeque<ByteBuf> sealed = new java.util.ArrayDeque<>();
    /** The last LSN the ledgers held when this primary started: recovery's records up to it are not sent again. */
    private final long heldLsn;
    private int records;
    private long firstLsn;
    private long lastLsn;
    private CompletableFuture<Long> lastSent;
    private long entriesSent;
    private long bytesSent;

    BookKeeperReplica(WriteHandle ledger, NextLedger nextLedger, long rollBytes, String storeName, Duration addTimeout,
            long heldLsn) {
        this.ledger = ledger;
        this.nextLedger = nextLedger;
        this.rollBytes = rollBytes;
        this.heldLsn = heldLsn;
        this.storeName = storeName;
        // BookKeeper times an add out itself (addEntryTimeout); this bound only keeps a lost callback from hanging
        this.timeoutNanos = addTimeout.multipliedBy(2).toNanos();
    }

    @Override
    public void add(long lsn, MemorySegment buffer, long offset, long length) throws IOException {
        if (lsn <= heldLsn) {
            return;  // a restart's redo record the ledgers already hold (see ReplicatedPrimary): sent again it could
                     // roll a standby's page back, for good if this start dies half way through sending
        }
        if (entry != null && entry.writerIndex() + length > ReplicationConfig.ENTRY_BYTES_MAX) {
            seal();  // full: kept until send(), which comes only after the local fdatasync
        }
        if (entry == null) {
            int capacity = (int) Math.max(ReplicationEntryDescriptor.HEADER_LENGTH + length, 64 * 1024);
            entry = PooledByteBufAllocator.DEFAULT.directBuffer(Math.min(capacity, ReplicationConfig.ENTRY_BYTES_MAX),
                    Math.max(capacity, ReplicationConfig.ENTRY_BYTES_MAX));
            entry.writerIndex(ReplicationEntryDescriptor.HEADER_LENGTH);
            firstLsn = lsn;
        }
        int at = entry.writerIndex();
        entry.ensureWritable((int) length);
        MemorySegment.copy(buffer, offset, MemorySegment.ofBuffer(entry.nioBuffer(at, (int) length)), 0, length);
        entry.writerIndex(at + (int) length);
        records++;
        lastLsn = lsn;
    }

    /** Ends the entry being filled: its header written, it waits in {@link #sealed} for the next send. */
    private void seal() {
        if (entry == null) {
            return;
        }
        int payload = entry.writerIndex() - ReplicationEntryDescriptor.HEADER_LENGTH;
        ReplicationEntryDescriptor.writeHeader(
                MemorySegment.ofBuffer(entry.nioBuffer(0, ReplicationEntryDescriptor.HEADER_LENGTH)), records,
                payload, firstLsn, lastLsn);
        sealed.addLast(entry);
        entry = null;
        records = 0;
    }

    @Override
    public void checkpointed(long redoLsn) {
        if (ledgerBytes >= rollBytes) {
            rollDue = true;
        }
    }

    @Override
    public void send() throws IOException {
        seal();
        if (rollDue && ledgerBytes >= rollBytes && !sealed.isEmpty()) {  // the flag may be a roll's late echo
            roll();
        }
        while (!sealed.isEmpty()) {
            ByteBuf sending = sealed.removeFirst();
            entriesSent++;
            bytesSent += sending.writerIndex();
            ledgerBytes += sending.writerIndex();
            try {
                lastSent = ledger.appendAsync(sending);  // the client releases the buffer
            } catch (RuntimeException e) {
                sending.release();
                throw new IOException("replication of " + storeName + ": ledger " + ledger.getId() + " refused an"
                        + " entry: " + e, e);
            }
        }
    }

    @Override
    public void awaitHeld() throws IOException {
        CompletableFuture<Long> waiting = lastSent;
        if (waiting == null) {
            return;
        }
        try {
            waiting.get(timeoutNanos, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted waiting for ledger " + ledger.getId() + "'s quorum");
        } catch (TimeoutException e) {
            throw new IOException("replication of " + storeName + ": ledger " + ledger.getId() + " did not answer an"
                    + " add in " + Duration.ofNanos(timeoutNanos));
        } catch (ExecutionException e) {
            throw failure(e.getCause());
        }
    }

    /** Makes the next ledger, closes this one (everything sent is held: the writer awaited it) and lists the next. */
    private void roll() throws IOException {
        long started = System.nanoTime();
        rollDue = false;
        WriteHandle next;
        try {
            next = nextLedger.create();
        } catch (IOException e) {
            LOG.warn("{}: no new ledger now ({}); the log stays in ledger {} until the next checkpoint", storeName,
                    e.toString(), ledger.getId());
            return;
        }
        WriteHandle closing = ledger;
        try {
            closing.closeAsync().get(timeoutNanos, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted closing ledger " + closing.getId());
        } catch (TimeoutException e) {
            throw new IOException("replication of " + storeName + ": ledger " + closing.getId() + " did not close in "
                    + Duration.ofNanos(timeoutNanos));
        } catch (ExecutionException e) {
            throw failure(e.getCause());
        }
        nextLedger.list(next);
        ledger = next;
        long bytes = ledgerBytes;
        ledgerBytes = 0;
        LOG.info("{}: ledger {} closed at {} bytes after a checkpoint; the log goes on in ledger {} ({} ms)",
                storeName, closing.getId(), bytes, next.getId(), (System.nanoTime() - started) / 1_000_000);
    }

    private IOException failure(Throwable cause) {
        if (cause instanceof BKException bk && bk.getCode() == BKException.Code.LedgerFencedException) {
            return new ReplicaFencedException("replication of " + storeName + ": ledger " + ledger.getId()
                    + " was fenced by another manager, which has taken the store over; this one must stop", cause);
        }
        return new IOException("replication of " + storeName + ": ledger " + ledger.getId() + " could not get an"
                + " entry held by its ack quorum: " + cause, cause);
    }

    /** The ledger this replica appends to. */
    public long ledgerId() {
        return ledger.getId();
    }

    /** Entries sent so far (each a commit, or part of one). */
    public long entriesSent() {
        return entriesSent;
    }

    /** Bytes sent so far, headers included. */
    public long bytesSent() {
        return bytesSent;
    }

    /** Closes the current ledger at what its quorum holds; call after {@link #discard}. */
    void closeLedger(Duration timeout) throws InterruptedException, ExecutionException, TimeoutException {
        ledger.closeAsync().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Drops entries not sent: the log is closed or failed, and nothing after its last send is owed. */
    void discard() {
        seal();
        while (!sealed.isEmpty()) {
            sealed.removeFirst().release();
        }
    }
}

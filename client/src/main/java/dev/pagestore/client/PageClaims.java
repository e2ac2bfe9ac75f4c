package dev.pagestore.client;

import dev.pagestore.ipc.ring.RequestDescriptor;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.Objects;

/**
 * Writes built in place: a caller claims a request slot, builds the page directly in the slot's buffer (the channel
 * memory the manager reads from), then commits it, so the page is never copied in this process. The same idea as
 * Agrona's {@code tryClaim}. A claim is named by a {@code long} handle; nothing here allocates.
 *
 * <pre>{@code
 * PageClaims claims = client.claims();
 * long claim = claims.claimWrite(pageNumber, timeout);   // waits for a free slot, like a synchronous write
 * MemorySegment page = claims.page(claim);               // pageSizeBytes() bytes, this thread's until commit
 * buildPageInto(page);
 * claims.commit(claim);                                  // durable when it returns; or claims.abort(claim)
 * }</pre>
 *
 * <p>A claim belongs to the thread that made it: only that thread may fill, commit or abort it. The page segment is
 * the caller's between the claim and the commit (or abort) only: a write into it after the commit fails the request
 * as {@code INVALID} (the manager checks the page against the CRC taken at the commit) or is lost. The timeout given
 * at the claim is the deadline of the whole write. A claim left open holds one of the client's
 * {@link PageStoreClient#capacity()} slots.
 */
public final class PageClaims {
    private final PageStoreClient client;

    PageClaims(PageStoreClient client) {
        this.client = client;
    }

    /**
     * Reserves a request slot for a write of page {@code pageNumber}, waiting for one until the deadline.
     *
     * @return the claim's handle
     * @throws IllegalArgumentException for a page outside the store
     */
    public long claimWrite(long pageNumber, Duration timeout) throws PageStoreException {
        Objects.requireNonNull(timeout, "timeout");
        client.refuseOnCompletionThread();
        long deadlineNanos = System.nanoTime() + timeout.toNanos();
        Connection c = client.attachment.current();
        PageArguments.checkPage(c.capacityPages, RequestDescriptor.OPCODE_WRITE, pageNumber);
        return client.posting.claimWrite(c, pageNumber, deadlineNanos);
    }

    /** The page buffer of open claim {@code claim}: build the page here before {@link #commit}. */
    public MemorySegment page(long claim) {
        Connection c = client.attachment.connection();
        return c.buffer(open(c, claim).index);
    }

    /**
     * Sends the page built in claim {@code claim}'s buffer; returns once it is durable.
     *
     * @throws PageStoreException with the write's error code (the claim is over either way)
     */
    public void commit(long claim) throws PageStoreException {
        Connection c = client.attachment.connection();
        Pending p = open(c, claim);
        long pageNumber = p.pageNumber;  // this thread's claim: read before the publish hands the entry on
        long deadlineNanos = p.deadlineNanos;
        try {
            client.posting.commitClaimed(c, p, claim);
        } catch (PageStoreException | RuntimeException e) {
            c.pending.collected(p, claim);  // failed meanwhile by the manager's death: nobody else frees it
            throw e;
        }
        c.awaitAnswer(p, claim, RequestDescriptor.OPCODE_WRITE, pageNumber, null, deadlineNanos);
    }

    /** Gives claim {@code claim}'s slot back unsent. */
    public void abort(long claim) {
        Connection c = client.attachment.connection();
        Pending p = open(c, claim);
        c.pending.forget(p, claim);
        c.pending.collected(p, claim);
    }

    private static Pending open(Connection c, long claim) {
        Pending p = c.pending.claimed(claim, Thread.currentThread());
        if (p == null) {
            throw new IllegalStateException("no open claim " + claim + " of this thread on the client's connection:"
                    + " never claimed, already committed or aborted, claimed by another thread, or the manager was"
                    + " replaced since");
        }
        return p;
    }
}

package dev.pagestore.client;

import dev.pagestore.ipc.ring.RequestDescriptor;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.Objects;

/**
 * Submit now, collect later: the calls of a {@link PageStoreClient} for an owner that drives its own loop, as an
 * io_uring user does with its submission and completion queues. A submission names its request with the caller's
 * {@code tag}; {@link #poll} hands back outcomes with their tags. Nothing here allocates, no future is made and no
 * other thread runs the caller's code.
 *
 * <pre>{@code
 * Poller poller = client.poller();
 * long next = 0;
 * while (running) {
 *     while (inFlight < depth && poller.trySubmitRead(pickPage(), buffers[slot], slot, timeout)) {
 *         inFlight++;
 *     }
 *     inFlight -= poller.poll(handler, depth, Duration.ofMillis(10));   // handler.onCompletion(tag, error)
 * }
 * }</pre>
 *
 * <p>Thread safety: any thread may submit and any may poll; outcomes go to whichever thread polls, and a read's page
 * is copied into its destination on that thread.
 */
public final class Poller {
    private final PageStoreClient client;

    Poller(PageStoreClient client) {
        this.client = client;
    }

    /**
     * Posts a read of page {@code pageNumber} into {@code destination}, handed back by {@link #poll} under
     * {@code tag}. The page is copied into {@code destination} by the thread that polls: it must be accessible there.
     *
     * @return false, with nothing sent, when all {@link PageStoreClient#capacity()} request slots are taken
     * @throws IllegalArgumentException for a page outside the store or a destination of the wrong size or read-only
     */
    public boolean trySubmitRead(long pageNumber, MemorySegment destination, long tag, Duration timeout)
            throws PageStoreException {
        PageArguments.checkDestination(client.pageSizeBytes(), destination);
        return submit(RequestDescriptor.OPCODE_READ, pageNumber, null, destination, tag, timeout);
    }

    /**
     * Posts a write of page {@code pageNumber}, handed back by {@link #poll} under {@code tag} once durable or failed;
     * {@code data} is copied before this returns and is the caller's again.
     *
     * @return false, with nothing sent, when all {@link PageStoreClient#capacity()} request slots are taken
     */
    public boolean trySubmitWrite(long pageNumber, MemorySegment data, long tag, Duration timeout)
            throws PageStoreException {
        PageArguments.checkLength(client.pageSizeBytes(), data, "data");
        return submit(RequestDescriptor.OPCODE_WRITE, pageNumber, data, null, tag, timeout);
    }

    /**
     * Hands up to {@code max} outcomes of submitted requests to {@code handler} on this thread, waiting up to
     * {@code wait} for the first when none is ready ({@link Duration#ZERO}: never waits). A platform thread waits on
     * the completion ring itself when nobody else reads it, so an answer wakes it directly; a virtual thread parks.
     * Once the manager is gone, every outstanding submission comes back with {@code MANAGER_GONE}.
     *
     * @return how many outcomes were handed over
     * @throws IllegalStateException on the client's completion thread (in a future's callback)
     */
    public int poll(PollHandler handler, int max, Duration wait) {
        Objects.requireNonNull(handler, "handler");
        if (max < 1) {
            throw new IllegalArgumentException("max=" + max + " must be positive");
        }
        client.refuseOnCompletionThread();
        long deadlineNanos = System.nanoTime() + wait.toNanos();
        return client.attachment.connection().completions.poll(handler, max, deadlineNanos);
    }

    private boolean submit(byte opcode, long pageNumber, MemorySegment writeData, MemorySegment readInto, long tag,
            Duration timeout) throws PageStoreException {
        Objects.requireNonNull(timeout, "timeout");
        long deadlineNanos = System.nanoTime() + timeout.toNanos();
        Connection c = client.attachment.current();
        PageArguments.checkPage(c.capacityPages, opcode, pageNumber);
        return client.posting.postPolled(c, opcode, pageNumber, writeData, readInto, tag, deadlineNanos);
    }
}

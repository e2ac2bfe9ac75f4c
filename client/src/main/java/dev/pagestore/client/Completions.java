package dev.pagestore.client;

import dev.pagestore.ipc.ring.CompletionDescriptor;
import dev.pagestore.ipc.ring.RequestDescriptor;
import dev.pagestore.ipc.ring.RingConsumer;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Reads a connection's completion ring and hands each answer to its request: whoever waits reaps.
 *
 * <h2>Who reads the ring</h2>
 * The ring has one consumer at a time: the holder of the <em>reaping</em> lock. A platform thread waiting in a
 * synchronous call takes it when it is free and sleeps on the ring itself, so its answer wakes it directly, with no
 * second thread in between (the manager's wake is the only one). While it holds the lock it answers other
 * synchronous callers too (records their outcome and unparks them), and frees abandoned requests; at the first
 * answer to an asynchronous request it stops and leaves the rest to the completion thread, so the futures the
 * manager answers complete on that one thread. Leaving, it hands the lock on to another waiting platform thread. A
 * poller ({@link #poll}) reads the ring the same way.
 *
 * <p>The completion thread takes the lock only while some outstanding request needs it
 * ({@link PendingTable#unattended()}: asynchronous requests, virtual threads' synchronous ones, which must not
 * sleep in the kernel, and abandoned ones) and otherwise parks, woken by the first such request.
 *
 * <p>Every wait is bounded by {@link #SLICE_NANOS}, after which the waiter looks again: a hand-off that went to a
 * thread no longer waiting, or a failure that cannot interrupt a sleep in {@code futex}, costs a slice at most.
 */
final class Completions {
    static final long SLICE_NANOS = 20_000_000;
    private static final int BATCH = 64;

    private final Connection connection;
    private final RingConsumer ring;
    private final PendingTable pending;
    private final int slotCount;
    private final ReentrantLock reaping = new ReentrantLock();
    /** Scratch for {@link PendingTable#answer}, used by the reaping lock's holder only. */
    private final PendingAnswer answer = new PendingAnswer();
    final AtomicLong unmapped = new AtomicLong();
    private final Thread completionThread;
    /** The thread waiting in {@link #poll}, if any: unparked when a polled request is answered. */
    private volatile Thread poller;

    Completions(Connection connection, RingConsumer ring, PendingTable pending, int slotCount, String name) {
        this.connection = connection;
        this.ring = ring;
        this.pending = pending;
        this.slotCount = slotCount;
        this.completionThread = new Thread(this::run, "pagestore-client-completions-" + name);
        this.completionThread.setDaemon(true);
        pending.completionThread(completionThread);
    }

    void start() {
        completionThread.start();
    }

    boolean onCompletionThread() {
        return Thread.currentThread() == completionThread;
    }

    boolean canFill(MemorySegment destination) {
        return destination.isAccessibleBy(completionThread);
    }

    /**
     * After the connection ended: waits a little for the completion thread to stop and for the ring's reader to leave,
     * then keeps the reaping lock, so that nobody reads the ring again. True when the ring may be unmapped.
     */
    boolean stop() {
        LockSupport.unpark(completionThread);
        try {
            completionThread.join(1000);
            return !completionThread.isAlive() && reaping.tryLock(1, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Waits on the calling thread until synchronous request {@code id} has an outcome, reaping completions itself when
     * it can; false when it gave up first ({@code giveUpNanos} passed, or the thread was interrupted).
     */
    boolean await(Pending p, long id, long giveUpNanos) {
        boolean mayReap = !Thread.currentThread().isVirtual();
        boolean leftToCompletionThread = false;
        while (!pending.settled(p, id)) {
            if (connection.ended() && pending.fail(p, id, connection.endCode(), connection.endDetail()) != null) {
                continue;  // failed now: settled (an entry being delivered is left to its deliverer)
            }
            long now = System.nanoTime();
            if (now - giveUpNanos >= 0 || Thread.currentThread().isInterrupted()) {
                if (pending.abandon(p, id)) {
                    return false;
                }
                continue;
            }
            if (mayReap && !leftToCompletionThread && !reaping.hasQueuedThreads() && reaping.tryLock()) {
                try {
                    leftToCompletionThread = !reapFor(p, id, giveUpNanos);
                } catch (RuntimeException e) {
                    // The manager broke the ring (a sequence out of bounds): nothing on it can be trusted any more.
                    connection.failAll(ErrorCode.PROTOCOL_ERROR, "completion ring broken: " + e.getMessage());
                } finally {
                    ring.unbindThread();
                    reaping.unlock();
                }
                handOff();
                continue;
            }
            leftToCompletionThread = false;
            LockSupport.parkNanos(this, Math.min(giveUpNanos - now, SLICE_NANOS));
        }
        return true;
    }

    /**
     * Hands up to {@code max} outcomes of polled requests to {@code handler}, waiting until {@code deadlineNanos} for
     * the first when none is there: reading the ring itself when it can, as a synchronous caller does.
     */
    int poll(PollHandler handler, int max, long deadlineNanos) {
        boolean platform = !Thread.currentThread().isVirtual();
        boolean leftToCompletionThread = false;
        boolean firstPass = true;
        boolean counted = false;
        try {
            while (true) {
                int collected = collectPolled(handler, max);
                if (collected > 0 || connection.ended()) {
                    return collected;
                }
                long now = System.nanoTime();
                boolean timeLeft = now - deadlineNanos < 0;
                // What the ring holds is read even when no time is left (a zero wait is a poll that never waits); a
                // platform thread then sleeps on the ring while time is left, a virtual thread never does.
                boolean mayRead = (platform || firstPass) && !leftToCompletionThread && !reaping.hasQueuedThreads();
                firstPass = false;
                if (mayRead && reaping.tryLock()) {
                    try {
                        int n = platform && timeLeft
                                ? ring.awaitAvailable(BATCH, Math.min(deadlineNanos, now + SLICE_NANOS))
                                : ring.available(BATCH);
                        leftToCompletionThread = !handOver(n);
                    } catch (RuntimeException e) {
                        connection.failAll(ErrorCode.PROTOCOL_ERROR, "completion ring broken: " + e.getMessage());
                    } finally {
                        ring.unbindThread();
                        reaping.unlock();
                    }
                    handOff();
                    if (!timeLeft || !platform) {
                        collected = collectPolled(handler, max);
                        if (collected > 0 || !timeLeft) {
                            return collected;
                        }
                    }
                    if (platform) {
                        continue;
                    }
                }
                if (!timeLeft) {
                    return 0;
                }
                poller = Thread.currentThread();
                if (!platform && !counted) {
                    pending.pollerNeedsCompletionThread(true);
                    counted = true;
                }
                leftToCompletionThread = false;
                LockSupport.parkNanos(this, Math.min(deadlineNanos - now, SLICE_NANOS));
            }
        } finally {
            if (counted) {
                pending.pollerNeedsCompletionThread(false);
            }
            poller = null;
        }
    }

    /** Hands over up to {@code max} polled outcomes already recorded; on this thread, so a read's copy is here. */
    private int collectPolled(PollHandler handler, int max) {
        int delivered = 0;
        for (int i = 0; i < pending.capacity() && delivered < max; i++) {
            Pending p = pending.entryAt(i);
            long id = pending.claimPolled(p);
            if (id < 0) {
                continue;
            }
            long tag = p.tag;
            ErrorCode error = p.failure;
            try {
                if (error == null && p.status != CompletionDescriptor.STATUS_OK) {
                    error = ErrorCode.ofStatus(p.status);
                } else if (error == null && p.opcode == RequestDescriptor.OPCODE_READ) {
                    p.destination.copyFrom(connection.buffer(p.index));
                }
            } catch (RuntimeException e) {
                error = ErrorCode.INVALID;  // the destination was closed, or is confined to another thread
            } finally {
                pending.collected(p, id);
            }
            delivered++;
            handler.onCompletion(tag, error);
        }
        return delivered;
    }

    /** Reaps until {@code id} is settled or {@code giveUpNanos}; false when it stopped at an asynchronous answer. */
    private boolean reapFor(Pending p, long id, long giveUpNanos) {
        while (!pending.settled(p, id) && !connection.ended()) {
            long now = System.nanoTime();
            if (now - giveUpNanos >= 0 || Thread.currentThread().isInterrupted()) {
                return true;
            }
            int n = ring.awaitAvailable(BATCH, Math.min(giveUpNanos, now + SLICE_NANOS));
            if (n == 0) {
                continue;
            }
            if (!handOver(n)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Hands the {@code n} available completions over on a thread that is not the completion thread; false when it
     * stopped at an asynchronous answer, which it leaves (and wakes) the completion thread for.
     */
    private boolean handOver(int n) {
        int done = n > 0 ? deliver(n, false) : 0;
        if (done > 0) {
            ring.release(done);
        }
        if (done < n) {
            LockSupport.unpark(completionThread);
            return false;
        }
        return true;
    }

    /** Wakes a platform thread that waits for its answer, so that it reads the ring now that nobody does. */
    private void handOff() {
        Thread next = pending.attendedWaiter();
        if (next == null) {
            next = poller;
        }
        if (next != null && next != Thread.currentThread()) {
            LockSupport.unpark(next);
        }
    }

    private void run() {
        try {
            serve();
        } catch (RuntimeException e) {
            connection.failAll(ErrorCode.PROTOCOL_ERROR, "completion ring broken: " + e.getMessage());
        } finally {
            if (!connection.ended()) {
                // Without this thread asynchronous calls would run to their deadlines while the client still looked
                // connected. Failing them all lets the client re-attach.
                connection.failAll(ErrorCode.PROTOCOL_ERROR, "the completion thread stopped");
            }
        }
    }

    private void serve() {
        while (!connection.ended()) {
            if (pending.unattended() == 0) {
                LockSupport.parkNanos(this, SLICE_NANOS);
                continue;
            }
            reaping.lock();
            try {
                long sliceEnd = System.nanoTime() + SLICE_NANOS;
                while (!connection.ended() && pending.unattended() > 0) {
                    int n = ring.awaitAvailable(BATCH, sliceEnd);
                    if (n == 0) {
                        break;  // a slice without answers: let a waiting caller have the ring
                    }
                    ring.release(deliver(n, true));
                }
            } finally {
                ring.unbindThread();
                reaping.unlock();
            }
            handOff();
        }
    }

    /**
     * Hands the first {@code n} available completions to their requests; returns how many it handled, fewer than
     * {@code n} when it met an asynchronous answer it must leave to the completion thread.
     */
    private int deliver(int n, boolean completionThreadHere) {
        MemorySegment entries = ring.segment();
        for (int i = 0; i < n; i++) {
            long offset = ring.entryOffset(i);
            long id = CompletionDescriptor.requestId(entries, offset);
            if (!CompletionDescriptor.isWellFormed(entries, offset, slotCount)) {
                unmapped.incrementAndGet();
                continue;
            }
            int status = CompletionDescriptor.status(entries, offset);
            long result = CompletionDescriptor.result(entries, offset);
            boolean fenced = status == CompletionDescriptor.STATUS_TIMEOUT
                    && result == CompletionDescriptor.RESULT_SLOT_FENCED;
            int outcome = pending.answer(id, status, result, fenced, completionThreadHere, answer);
            if (status == CompletionDescriptor.STATUS_TIMEOUT && (outcome == PendingAnswer.WAKE
                    || outcome == PendingAnswer.DELIVER || outcome == PendingAnswer.FAIL_TIMEOUT)) {
                RequestTimedOutEvent.record(id, "manager", fenced);
            }
            switch (outcome) {
                case PendingAnswer.LEAVE -> {
                    return i;
                }
                case PendingAnswer.WAKE -> {
                    Thread waiter = answer.waiter != null ? answer.waiter : poller;
                    if (waiter != Thread.currentThread()) {
                        LockSupport.unpark(waiter);
                    }
                }
                case PendingAnswer.DELIVER -> deliverAsync(answer.entry, id, status, result);
                case PendingAnswer.FAIL_TIMEOUT -> answer.future.completeExceptionally(new PageStoreException(
                        ErrorCode.TIMEOUT, "request " + id + " (page " + answer.pageNumber + ") passed its deadline"));
                case PendingAnswer.UNMAPPED -> unmapped.incrementAndGet();
                default -> {
                    // DONE: the final completion of an abandoned request freed its entry
                }
            }
        }
        return n;
    }

    /** Completes an asynchronous request: its page copied out, its entry freed, then its future completed. */
    private void deliverAsync(Pending p, long id, int status, long result) {
        CompletableFuture<Object> future = answer.future;
        Object value = null;
        PageStoreException failure = null;
        try {
            if (status != CompletionDescriptor.STATUS_OK) {
                failure = new PageStoreException(ErrorCode.ofStatus(status), describe(id) + " failed");
            } else if (answer.opcode == RequestDescriptor.OPCODE_FLUSH) {
                value = result;
            } else if (answer.opcode == RequestDescriptor.OPCODE_READ) {
                MemorySegment slot = connection.buffer(answer.slot);
                if (answer.destination != null) {
                    answer.destination.copyFrom(slot);
                    value = answer.destination;
                } else {
                    value = slot.toArray(ValueLayout.JAVA_BYTE);
                }
            }
        } catch (RuntimeException | Error e) {
            // A destination closed meanwhile (or no memory for the page) fails that call only: this thread answers
            // every other call.
            failure = new PageStoreException(ErrorCode.INVALID, describe(id) + " completed but its result could not"
                    + " be delivered: " + e, e);
        } finally {
            // Freed before the future completes, so a callback that posts again finds its permit free.
            pending.delivered(p, id);
        }
        if (failure != null) {
            future.completeExceptionally(failure);
        } else {
            future.complete(value);
        }
    }

    private String describe(long id) {
        return "request " + id + " (" + Pending.opcodeName(answer.opcode) + " page " + answer.pageNumber + ")";
    }
}

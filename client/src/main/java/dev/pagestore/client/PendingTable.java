package dev.pagestore.client;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.locks.LockSupport;

/**
 * The requests a connection has posted and not yet finally answered: a fixed table of {@code capacity} reusable
 * {@link Pending} entries and the permits that bound them, with every change of an entry's state made here, under
 * this table's monitor. A request id is a sequence number above the entry's index, {@code sequence << INDEX_BITS |
 * index}: unique for the connection's life (the manager refuses an id still outstanding), and a completion names
 * its entry directly. Every call names the request by id as well as by entry, so a completion, a caller or a failure
 * that comes late finds the entry reused by another request and leaves it alone.
 *
 * <p>The states of an entry and who moves it between them: {@link Pending}. An entry returns its permit when it
 * becomes FREE, never earlier: until then the manager may still write its slot.
 *
 * <p>Thread safety: any thread; one monitor, held for a few loads and stores. Allocation: none, except an
 * asynchronous request's future and {@link #failAll}'s list.
 */
final class PendingTable {
    static final int INDEX_BITS = 16;
    private static final long INDEX_MASK = (1L << INDEX_BITS) - 1;

    private final Pending[] entries;
    private final int[] free;
    private int freeCount;
    private long sequence;
    /** Written under the monitor; volatile, so the completion thread reads it after every batch without it. */
    private volatile int unattended;
    /** Unparked when the first request that needs it appears; set once, before any request. */
    private Thread completionThread;
    /** One per entry; fair, so a batch waiting for many is not overtaken forever by single requests. */
    final Semaphore permits;

    PendingTable(int capacity) {
        if (capacity < 1 || capacity > 1 << INDEX_BITS) {
            throw new IllegalArgumentException("capacity=" + capacity + " must be in [1, 2^" + INDEX_BITS + "]");
        }
        entries = new Pending[capacity];
        free = new int[capacity];
        for (int i = 0; i < capacity; i++) {
            entries[i] = new Pending(i);
            free[i] = capacity - 1 - i;
        }
        freeCount = capacity;
        permits = new Semaphore(capacity, true);
    }

    /** The entry holding request {@code id} now, or null (an id out of range, or of an earlier request). */
    private Pending entryOf(long id) {
        int index = (int) (id & INDEX_MASK);
        Pending p = id >= 0 && index < entries.length ? entries[index] : null;
        return p != null && p.id == id ? p : null;
    }

    void completionThread(Thread thread) {
        completionThread = thread;
    }

    int capacity() {
        return entries.length;
    }

    /**
     * Takes a free entry for a new request (the caller holds a permit for it) and gives it a new id.
     *
     * @param waiter the thread that will wait in a synchronous call, or null for an asynchronous request
     * @param future an asynchronous request's future, which the poster keeps (the entry may be reused at once)
     * @return the request's id; its entry is {@link #entry(long)}
     */
    synchronized long register(byte opcode, long pageNumber, boolean data, Thread waiter,
            CompletableFuture<Object> future, MemorySegment destination) {
        Pending p = take(opcode, pageNumber, data, destination);
        p.waiter = waiter;
        p.attended = waiter != null && !waiter.isVirtual();
        p.future = future;
        if (!p.attended) {
            addUnattended();
        }
        return p.id;
    }

    /**
     * Takes a free entry for a request whose outcome a {@link PageStoreClient#poll} collects, named by the caller's
     * {@code tag}. Whoever reads the ring records its answer; a thread waiting in poll reads the ring itself.
     */
    synchronized long registerPolled(byte opcode, long pageNumber, boolean data, MemorySegment destination,
            long tag) {
        Pending p = take(opcode, pageNumber, data, destination);
        p.polled = true;
        p.tag = tag;
        p.attended = true;
        return p.id;
    }

    /** The entry of request {@code id} (which may hold a later request by now: every use names {@code id}). */
    Pending entry(long id) {
        return entries[(int) (id & INDEX_MASK)];
    }

    private Pending take(byte opcode, long pageNumber, boolean data, MemorySegment destination) {
        if (freeCount == 0) {
            throw new IllegalStateException("no free pending entry although a permit was taken (" + entries.length
                    + " entries)");
        }
        int index = free[--freeCount];
        Pending p = entries[index];
        p.reset(++sequence << INDEX_BITS | index, opcode, pageNumber, data, destination);
        return p;
    }

    /**
     * Records the manager's answer to request {@code id} and says what the reaping thread does next, filling
     * {@code out}. {@code fenced}: a TIMEOUT whose slot the device may still write (another completion follows).
     */
    synchronized int answer(long id, int status, long result, boolean fenced, boolean mayDeliverAsync,
            PendingAnswer out) {
        Pending p = entryOf(id);
        if (p == null || p.state == Pending.FREE) {
            return PendingAnswer.UNMAPPED;
        }
        out.entry = p;
        switch (p.state) {
            case Pending.LIVE -> {
                if (p.waiter != null || p.polled) {
                    if (fenced) {
                        // Told TIMEOUT now; the entry stays (the slot may still be written) until the release.
                        p.state = Pending.FAILED;
                        p.failure = ErrorCode.TIMEOUT;
                        p.failureDetail = "passed its deadline";
                        p.fenced = true;
                    } else {
                        p.state = Pending.ANSWERED;
                        p.status = status;
                        p.result = result;
                    }
                    p.settledId = id;  // last: what a waiter reads after seeing it is complete
                    out.waiter = p.waiter;
                    return PendingAnswer.WAKE;
                }
                if (!mayDeliverAsync) {
                    return PendingAnswer.LEAVE;
                }
                capture(p, out);
                if (fenced) {
                    p.state = Pending.ABANDONED;
                    return PendingAnswer.FAIL_TIMEOUT;
                }
                p.state = Pending.DELIVERING;
                return PendingAnswer.DELIVER;
            }
            case Pending.ABANDONED -> {
                if (!fenced) {
                    release(p);
                }
                return PendingAnswer.DONE;
            }
            default -> {
                if (p.fenced && !fenced) {
                    // The slot's release came before the caller collected its TIMEOUT: the collect frees it now.
                    p.fenced = false;
                    return PendingAnswer.DONE;
                }
                return PendingAnswer.UNMAPPED;  // answered twice: a manager protocol violation
            }
        }
    }

    private static void capture(Pending p, PendingAnswer out) {
        out.future = p.future;
        out.destination = p.destination;
        out.opcode = p.opcode;
        out.pageNumber = p.pageNumber;
        out.slot = p.slot();
    }

    /** An asynchronous answer has been copied out: the entry and its permit are free. */
    void delivered(Pending p, long id) {
        boolean freed;
        synchronized (this) {
            freed = p.id == id && p.state == Pending.DELIVERING && free(p);
        }
        returnPermit(freed);
    }

    /**
     * Whether request {@code id} has an outcome its synchronous caller can collect: one volatile load, no monitor.
     * Once true, the outcome's fields ({@link Pending#state}, status, result, failure) are visible and stay as they
     * are until the caller collects.
     */
    boolean settled(Pending p, long id) {
        return p.settledId == id;
    }

    /**
     * The synchronous caller of {@code id} gives up (its deadline passed, or it was interrupted): true when it did
     * before an outcome arrived, so it reports TIMEOUT and the manager's final completion frees the entry.
     */
    synchronized boolean abandon(Pending p, long id) {
        if (p.id != id || p.state != Pending.LIVE) {
            return false;
        }
        p.state = Pending.ABANDONED;
        if (p.attended) {
            p.attended = false;
            addUnattended();
        }
        return true;
    }

    /**
     * The synchronous caller (or the poller that claimed a polled outcome) has read the outcome, and a read's page:
     * the entry is free, or stays until the manager releases a fenced slot.
     */
    void collected(Pending p, long id) {
        boolean freed = false;
        synchronized (this) {
            boolean outcome = p.state == Pending.ANSWERED || p.state == Pending.FAILED
                    || p.polled && p.state == Pending.DELIVERING;
            if (p.id != id || !outcome) {
                return;
            }
            if (p.fenced) {
                p.state = Pending.ABANDONED;
                if (p.attended) {
                    p.attended = false;
                    addUnattended();
                }
            } else {
                freed = free(p);
            }
        }
        returnPermit(freed);
    }

    /**
     * Ends request {@code id} without an answer, if it is still live: a synchronous one becomes FAILED for its
     * caller to collect (returns its waiter to unpark, or null); an asynchronous one is freed and its future failed.
     */
    Thread fail(Pending p, long id, ErrorCode code, String detail) {
        CompletableFuture<Object> future;
        byte opcode;
        synchronized (this) {
            if (p.id != id || p.state != Pending.LIVE) {
                return null;
            }
            if (p.waiter != null || p.polled) {
                p.state = Pending.FAILED;
                p.failure = code;
                p.failureDetail = detail;
                p.settledId = id;
                return p.waiter;
            }
            future = p.future;
            opcode = p.opcode;
            release(p);
        }
        future.completeExceptionally(new PageStoreException(code, "request " + id + " (" + Pending.opcodeName(
                opcode) + "): " + detail));
        return null;
    }

    /** Fails every live request (the manager is gone or the client closed), and frees the abandoned ones. */
    void failAll(ErrorCode code, String detail) {
        List<Pending> live = new ArrayList<>();
        synchronized (this) {
            for (Pending p : entries) {
                if (p.state == Pending.LIVE) {
                    live.add(p);
                } else if (p.state == Pending.ABANDONED) {
                    release(p);
                }
            }
        }
        for (Pending p : live) {
            long id;
            synchronized (this) {
                id = p.id;
            }
            Thread waiter = fail(p, id, code, detail);
            if (waiter != null) {
                LockSupport.unpark(waiter);
            }
        }
    }

    /** A request that was registered but never published: free again. */
    synchronized void forget(Pending p, long id) {
        // FAILED too: the manager's death may have failed it between its registration and the publish that failed.
        if (p.id == id && (p.state == Pending.LIVE || p.state == Pending.FAILED)) {
            release(p);
        }
    }

    /** Marks live request {@code id} as a claim (its slot lent to its caller until it commits or aborts), or not. */
    synchronized void claim(Pending p, long id, boolean claimed) {
        if (p.id == id && (p.state == Pending.LIVE || !claimed)) {
            p.claimed = claimed;
        }
    }

    /**
     * The claimed write {@code id} of thread {@code owner} (live, or failed meanwhile by the manager's death), or
     * null: never claimed, committed or aborted already, or claimed by another thread.
     */
    synchronized Pending claimed(long id, Thread owner) {
        Pending p = entryOf(id);
        return p != null && p.claimed && p.waiter == owner
                && (p.state == Pending.LIVE || p.state == Pending.FAILED) ? p : null;
    }

    /** Entry {@code index} for a poll's scan; every use names the request by id. */
    Pending entryAt(int index) {
        return entries[index];
    }

    /**
     * Claims the outcome of the polled request in {@code p}, if it has one, for the calling poller alone (another
     * poller scanning at the same time skips it): returns its id, else -1. {@link Pending#failure} is set for a
     * request that failed without an answer.
     */
    synchronized long claimPolled(Pending p) {
        if (!p.polled || (p.state != Pending.ANSWERED && p.state != Pending.FAILED)) {
            return -1;
        }
        p.state = Pending.DELIVERING;
        return p.id;
    }

    /**
     * A thread that cannot sleep in the kernel (a virtual thread) starts or stops waiting in a poll: while it does,
     * the completion thread reads the ring for it.
     */
    synchronized void pollerNeedsCompletionThread(boolean starts) {
        if (starts) {
            addUnattended();
        } else {
            unattended--;
        }
    }

    /** Entries only the completion thread will reap; a rise from zero unparks it ({@link #addUnattended}). */
    int unattended() {
        return unattended;
    }

    /** The waiter of some live request that reaps for itself, to hand the reaping over to; or null. */
    synchronized Thread attendedWaiter() {
        for (Pending p : entries) {
            if (p.state == Pending.LIVE && p.attended) {
                return p.waiter;
            }
        }
        return null;
    }

    /** One more entry needs the completion thread: wake it if it was the first (it sleeps while none does). */
    private void addUnattended() {
        if (++unattended == 1 && completionThread != null) {
            LockSupport.unpark(completionThread);
        }
    }

    /** Frees the entry and returns its permit, under the monitor: for the rare paths (failures, late answers). */
    private void release(Pending p) {
        free(p);
        permits.release();
    }

    /**
     * Frees the entry; its permit is returned by the caller after it leaves the monitor ({@link #returnPermit}), since
     * a release may wake a waiting poster, which should not find the monitor held. Always true.
     */
    private boolean free(Pending p) {
        if (!p.attended) {
            unattended--;
        }
        p.state = Pending.FREE;
        p.attended = false;
        p.polled = false;
        p.waiter = null;
        p.future = null;
        p.destination = null;
        free[freeCount++] = p.index;
        return true;
    }

    private void returnPermit(boolean freed) {
        if (freed) {
            permits.release();
        }
    }
}

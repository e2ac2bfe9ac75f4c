package dev.pagestore.manager;

import dev.pagestore.ipc.linux.Futex;
import dev.pagestore.ipc.linux.FutexWaitv;
import dev.pagestore.ipc.ring.RingConsumer;
import dev.pagestore.ipc.ring.RingDescriptor;
import dev.pagestore.ipc.wait.WaitPoint;
import dev.pagestore.nvme.QueuePair;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * How an idle reactor waits, and how other threads wake it.
 *
 * <p>Spin briefly, then yield (both for fewer rounds each time that ended in a sleep anyway, for more each time work
 * came during them), then sleep until the device completes something, a worker publishes on one of the served
 * request rings (it wakes the ring's word, since the reactor raised the ring's waiting flag as {@link WaitPoint}
 * does), or another manager thread rings the reactor's doorbell (the WAL writer once per batch that had its writes,
 * the control thread when it hands over work). With io_uring that is one {@code io_uring_enter}, the words watched by
 * an {@code IORING_OP_FUTEX_WAITV} armed in the same ring; otherwise {@code futex_waitv} ({@link FutexWaitv}) on the
 * words when nothing is on the device, and 50 us parks while something is. Kernels without {@code futex_waitv} sleep
 * on one ring at a time for at most 1 ms.
 *
 * <p>A sleep is bounded: 50 us while an op waits for a page stripe another reactor holds (nothing wakes it when that
 * stripe is freed, and a waiter's claim must be renewed within {@link PageStripes}' freshness window) or for room in
 * the WAL's ring; 1 ms while requests are in progress (deadlines are the loop's); 10 ms otherwise.
 *
 * <p>{@link #wake} from any thread; everything else on the reactor thread.
 */
final class ReactorSleep {
    private static final int IDLE_ROUNDS_MIN = 8;
    private static final int IDLE_ROUNDS_MAX = 100;
    private static final int IDLE_SPIN_ROUNDS = 50;
    private static final long DEEP_SLEEP_NANOS = 10_000_000;
    private static final long BUSY_SLEEP_NANOS = 1_000_000;
    private static final long RETRY_SLEEP_NANOS = 50_000;
    private static final VarHandle DOORBELL = ValueLayout.JAVA_INT.varHandle();

    private final Thread reactorThread;
    private final ServedChannels channels;
    /** Whether nothing was handed over that the loop has not taken (checked again after the flags go up). */
    private final BooleanSupplier nothingHandedOver;
    /** Rung by {@link #wake}; a futex word in this process's own memory, so no worker can ring it or change it. */
    private final MemorySegment doorbell = Arena.ofAuto().allocate(4, 4);
    /** Whether the reactor may be asleep on the doorbell (set before it checks its queues one last time). */
    private volatile boolean doorbellWatched;
    /** The one request ring's word a reactor without {@code futex_waitv} sleeps on, for {@link #wake}. */
    private volatile MemorySegment sleepingOn;

    private final FutexWaitv waitv = new FutexWaitv();
    /** Channels whose request rings' waiting flags are raised. */
    private final List<ChannelSession> watched = new ArrayList<>();
    /** Whether the flags stay raised for a futex watch armed in {@link #uring}. */
    private boolean watchRaised;
    /** The reactor's queue pair when it can sleep in the kernel on its completions and futex words (io_uring). */
    private QueuePair uring;
    private int idleRounds;
    /**
     * Rounds of spinning, then yielding, before a sleep: halved each time they end in a sleep anyway, doubled each
     * time work arrives during them. When worker processes outnumber cores, the work a reactor spins for comes from a
     * process that the spin keeps off the core, so spinning costs CPU and wins nothing; when they do not, it saves a
     * sleep and a wake per request.
     */
    private int idleBudget = IDLE_ROUNDS_MAX;
    private boolean sleptSinceWork;
    private int sleepCursor;

    ReactorSleep(Thread reactorThread, ServedChannels channels, BooleanSupplier nothingHandedOver) {
        this.reactorThread = reactorThread;
        this.channels = channels;
        this.nothingHandedOver = nothingHandedOver;
    }

    /** The reactor's queue pair: with io_uring, the reactor sleeps on its completions and the rings at once. */
    void sleepIn(QueuePair queuePair) {
        uring = queuePair.futexWatchSupported() ? queuePair : null;
    }

    /**
     * Any thread, after queueing work for the reactor: ring the doorbell (a sleeping reactor waits on it with the
     * value it read before it checked its queues, so a ring between that check and the sleep makes the sleep return
     * at once), and wake it if it sleeps.
     */
    void wake() {
        DOORBELL.getAndAdd(doorbell, 0L, 1);
        if (doorbellWatched) {
            Futex.wake(doorbell, 1);
        }
        LockSupport.unpark(reactorThread);
        MemorySegment word = sleepingOn;
        if (word != null) {
            try {
                Futex.wake(word, 1);
            } catch (IllegalStateException e) {
                // the reactor woke and reclaimed that channel meanwhile: the unpark above is enough
            }
        }
    }

    /** A pass found work: a spin that caught it earns a longer spin next time. */
    void worked() {
        if (idleRounds > 0 && !sleptSinceWork) {
            idleBudget = Math.min(IDLE_ROUNDS_MAX, idleBudget * 2);
        }
        idleRounds = 0;
        sleptSinceWork = false;
    }

    /** After a reap: a watch that fired is lowered (a worker's publish will not need to wake anyone). */
    void afterReap() {
        if (watchRaised && !uring.futexWatchArmed()) {
            lowerFlags();
        }
    }

    /** A channel about to be closed: its waiting flag is withdrawn before its memory goes. */
    void forget(ChannelSession session) {
        if (watched.remove(session)) {
            session.requests.entriesWaitPoint().withdrawWaiting();
        }
    }

    /**
     * One idle round. The stages say what is still owed: ops waiting for a stripe or for room in the WAL's ring are
     * retried within 50 us; while the WAL writer owes outcomes, a sleep must also wake on its doorbell.
     *
     * @param draining       the manager is stopping (no deep sleep: the drain polls)
     * @param workInProgress ops are in progress (sleep 1 ms at most)
     */
    void idle(boolean draining, WalStage wal, PageOrder order, DeviceStage device, boolean workInProgress) {
        idleRounds++;
        if (idleRounds < idleBudget) {
            if (idleRounds < IDLE_SPIN_ROUNDS) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
            return;
        }
        if (!sleptSinceWork) {
            sleptSinceWork = true;
            idleBudget = Math.max(IDLE_ROUNDS_MIN, idleBudget / 2);
        }
        boolean retrySoon = order.hasDeferred() || wal.hasWaiting();
        boolean othersOwe = wal.pending() > 0 || order.hasDeferred();
        long bound = retrySoon ? RETRY_SLEEP_NANOS : workInProgress ? BUSY_SLEEP_NANOS : DEEP_SLEEP_NANOS;
        if (uring != null && uring.futexWatchSupported() && waitv.available() && !draining) {
            sleepInRing(bound);
            return;
        }
        if (!othersOwe && device.inFlight() > 0 && uring != null) {
            uring.awaitCompletions(RETRY_SLEEP_NANOS);  // only the device owes anything: returns at its completion
            return;
        }
        if (draining || device.inFlight() > 0 || device.hasAwaiting()) {
            LockSupport.parkNanos(RETRY_SLEEP_NANOS);
            return;
        }
        // Nothing on the device: what comes next is a worker's request, the end of a WAL batch or a control event,
        // and each of them rings (a ring buffer's word or the doorbell).
        if (waitv.available()) {
            sleepOnWords(bound);
        } else if (othersOwe) {
            LockSupport.parkNanos(RETRY_SLEEP_NANOS);  // no futex_waitv: the WAL's wake is an unpark, seen in 50 us
        } else {
            sleepOnOneRing();
        }
    }

    /** Sleeps in {@code io_uring_enter} until the device completes something or a ring or the doorbell is woken. */
    private void sleepInRing(long bound) {
        if (!uring.futexWatchArmed()) {
            if (watchRaised) {
                lowerFlags();
            }
            if (!raiseFlags()) {
                lowerFlags();
                return;  // work arrived while the flags went up
            }
            if (!uring.armFutexWatch(waitv.array(), waitv.count())) {
                lowerFlags();
                LockSupport.parkNanos(RETRY_SLEEP_NANOS);
                return;
            }
            watchRaised = true;
        }
        uring.submitAndAwait(bound);  // arming and sleeping: one io_uring_enter
    }

    /** Sleeps in {@code futex_waitv} on the doorbell and every watched ring's word at once. */
    private void sleepOnWords(long bound) {
        try {
            if (raiseFlags()) {
                waitv.await(System.nanoTime() + bound);
            }
        } finally {
            lowerFlags();
        }
    }

    /**
     * Raises the doorbell's watched flag and the waiting flag of every served request ring that has room (naming the
     * sequence seen, then re-checking it after the fence, the {@link WaitPoint} handshake once per ring), and fills
     * {@link #waitv} with their words. False when work is already waiting; the caller lowers what was raised.
     */
    private boolean raiseFlags() {
        waitv.clear();
        int bell = (int) DOORBELL.getVolatile(doorbell, 0L);
        doorbellWatched = true;  // before the last look at the queues: a waker after it sees the flag
        waitv.add(doorbell, bell);
        for (int i = 0; i < channels.size() && waitv.count() < FutexWaitv.WAITERS_MAX; i++) {
            ChannelSession s = channels.get(i);
            if (!watchable(s)) {
                continue;
            }
            RingConsumer ring = s.requests;
            WaitPoint point = ring.entriesWaitPoint();
            long seen = point.sequenceAcquire();
            if (seen != ring.sequence()) {
                return false;
            }
            point.announceWaiting(seen);  // includes the StoreLoad fence before the re-check below
            watched.add(s);
            if (point.sequenceAcquire() != seen) {
                return false;
            }
            waitv.add(ring.segment().asSlice(RingDescriptor.PRODUCER_SEQUENCE_OFFSET, 4), (int) seen);
        }
        return nothingHandedOver.getAsBoolean();
    }

    private void lowerFlags() {
        doorbellWatched = false;
        for (int i = 0; i < watched.size(); i++) {
            watched.get(i).requests.entriesWaitPoint().withdrawWaiting();
        }
        watched.clear();
        watchRaised = false;
    }

    /** No {@code futex_waitv}: sleep on one request ring (rotating), noticing the others at the timeout. */
    private void sleepOnOneRing() {
        int live = 0;
        ChannelSession target = null;
        for (int i = 0; i < channels.size(); i++) {
            ChannelSession s = channels.get((sleepCursor + i) % channels.size());
            if (!s.detaching) {
                live++;
                if (target == null) {
                    target = s;
                }
            }
        }
        sleepCursor++;
        if (target == null) {
            LockSupport.parkNanos(DEEP_SLEEP_NANOS);
            return;
        }
        RingConsumer ring = target.requests;
        WaitPoint point = ring.entriesWaitPoint();
        long seen = point.sequenceAcquire();
        if (seen != ring.sequence()) {
            return;  // requests are waiting
        }
        point.announceWaiting(seen);
        sleepingOn = ring.segment().asSlice(RingDescriptor.PRODUCER_SEQUENCE_OFFSET, 4);
        try {
            if (point.sequenceAcquire() == seen && nothingHandedOver.getAsBoolean()) {
                point.sleep(seen, live == 1 ? DEEP_SLEEP_NANOS : BUSY_SLEEP_NANOS);
            }
        } finally {
            sleepingOn = null;
            point.withdrawWaiting();
        }
    }

    /**
     * Whether a sleep watches {@code s}'s request ring. A ring without room is not drained ({@link RequestIntake}),
     * so what is published on it is no work now: counted as waiting work, a worker that publishes past its room would
     * keep the reactor spinning.
     */
    private static boolean watchable(ChannelSession s) {
        return !s.detaching && s.capacity - s.load() > 0;
    }
}

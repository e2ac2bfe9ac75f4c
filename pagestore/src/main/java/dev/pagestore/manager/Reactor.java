package dev.pagestore.manager;

import dev.pagestore.ipc.control.LogLimiter;
import dev.pagestore.ipc.linux.Futex;
import dev.pagestore.ipc.linux.FutexWaitv;
import dev.pagestore.ipc.ring.CompletionDescriptor;
import dev.pagestore.ipc.ring.RequestDescriptor;
import dev.pagestore.ipc.ring.RingConsumer;
import dev.pagestore.ipc.ring.RingDescriptor;
import dev.pagestore.ipc.wait.WaitPoint;
import dev.pagestore.nvme.BlockDevice;
import dev.pagestore.nvme.CompletionHandler;
import dev.pagestore.nvme.IoStatus;
import dev.pagestore.nvme.QueuePair;
import dev.pagestore.nvme.QueuePairListener;
import dev.pagestore.nvme.uring.IoUringQueuePair;
import dev.pagestore.protocol.PageStoreProtocol;
import dev.pagestore.status.StatusRegionDescriptor;
import dev.pagestore.wal.AppendCallback;
import dev.pagestore.wal.WalNoSpaceException;
import dev.pagestore.wal.WriteAheadLog;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One reactor thread: owns one {@link QueuePair} (opened on this thread, so the queue pair's ownership check names
 * it) and serves the channels assigned to it.
 *
 * <h2>Loop</h2>
 * Take new channels, detaches and WAL-durable writes from the queue other threads feed; start deferred work in order;
 * drain each channel's request ring in a batch, validating every descriptor (anything malformed is answered
 * {@code INVALID}: nothing a worker writes reaches the device or memory outside its channel); send writes through the
 * WAL group commit, and once durable, the data write; prepare reads straight into the worker's slot; submit once (one
 * doorbell); reap; bump page versions and post completions, one publish per channel; expire deadlines; sleep when idle.
 *
 * <h2>Order</h2>
 * A request touching a page that has a write in progress here waits (in arrival order) until that write ends, and a
 * write waits for reads of its pages already on the device, so writes to one page are logged, written and acknowledged
 * in the order they were accepted, and a read never races a write of its page on the device. Across reactors,
 * {@link PageStripes} keeps a page's reads and writes in one reactor at a time.
 *
 * <h2>Idle</h2>
 * Spin briefly, then yield (both for fewer rounds each time that ended in a sleep anyway, for more each time work
 * came during them), then sleep at most 10 ms until the device completes something, a worker publishes on one
 * of the served request rings (it wakes the ring's word, since the reactor raised the ring's waiting flag), or another
 * manager thread rings the reactor's own doorbell (the WAL writer once per batch that had its writes, the control
 * thread when it hands over work); at most 1 ms while requests are in progress (deadlines and retries are the
 * loop's), 50 us while one waits for a page stripe another reactor holds. With io_uring that is one
 * {@code io_uring_enter}, the words watched by an {@code IORING_OP_FUTEX_WAITV} armed in the same ring; otherwise
 * {@code futex_waitv} ({@link FutexWaitv}) on the words when nothing is on the device, and 50 us parks while
 * something is. Kernels without {@code futex_waitv} sleep on one ring at a time for at most 1 ms.
 */
final class Reactor implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(Reactor.class);
    private static final int DRAIN_BATCH = 32;
    private static final int IDLE_ROUNDS_MIN = 8;
    private static final int IDLE_ROUNDS_MAX = 100;
    private static final int IDLE_SPIN_ROUNDS = 50;
    private static final long DEEP_SLEEP_ONE_CHANNEL_NANOS = 10_000_000;
    private static final long BUSY_SLEEP_NANOS = 1_000_000;
    private static final long DEFERRED_RETRY_NANOS = 50_000;
    private static final long DEEP_SLEEP_SEVERAL_CHANNELS_NANOS = 1_000_000;
    private static final long DRAIN_TIMEOUT_NANOS = 10_000_000_000L;
    private static final VarHandle DOORBELL = ValueLayout.JAVA_INT.varHandle();
    /**
     * Committed writes answered before their data write landed, at most: each holds its private copy and its pages'
     * busy marks, so the data device's backlog (and the memory it pins) stays bounded when the log outpaces it.
     */
    private static final int WRITES_BEHIND_MAX = 256;

    private final int index;
    private final BlockDevice device;
    private final int queueDepth;
    private final WriteAheadLog wal;
    private final StatusRegion status;
    private final PageStripes stripes;
    private final UnappliedWrites unapplied;
    private final UnwrittenPages unwritten;
    private final int pageSizeBytes;
    private final long capacityPages;
    private final int pageCountMax;
    private final boolean pin;
    /**
     * Told when the manager can no longer serve: the WAL failed (fsyncgate: never pretend a write is durable), or this
     * reactor's loop itself failed. The manager stops at once rather than stay half alive.
     */
    private final Consumer<Throwable> onFatal;
    /**
     * Ends a session on the control plane (any thread): a channel this reactor no longer serves must not leave its
     * worker waiting for deadlines, nor keep counting toward the attach limits.
     */
    private final BiConsumer<ChannelSession, String> endSession;
    private final Thread thread;
    final CountDownLatch started = new CountDownLatch(1);
    volatile Throwable startFailure;

    // Fed by other threads.
    private final ConcurrentLinkedQueue<ChannelSession> newSessions = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<ChannelSession> detached = new ConcurrentLinkedQueue<>();
    private final DurableOps walDone = new DurableOps();
    /** Page numbers and images of the write being appended; the WAL copies them, so one pair serves every append. */
    private final long[] walPages;
    private final MemorySegment[] walImages;
    private volatile boolean draining;
    private volatile MemorySegment sleepingOn;
    /** Rung by {@link #wake}; a futex word in this process's own memory, so no worker can ring it or change it. */
    private final MemorySegment doorbell = Arena.ofAuto().allocate(4, 4);
    /** Whether the reactor may be asleep on the doorbell (set before it checks its queues one last time). */
    private volatile boolean doorbellWatched;

    // Reactor thread only.
    private QueuePair queuePair;
    private final List<ChannelSession> sessions = new ArrayList<>();
    private final ArrayDeque<Op> deferred = new ArrayDeque<>();
    private final ArrayDeque<Op> awaitingDevice = new ArrayDeque<>();
    private final LongCounts busyPages = new LongCounts(1024);
    /** Pages with a read on the device here: a write to one waits, so a read never races a write of its page. */
    private final LongCounts readingPages = new LongCounts(1024);
    private final LongCounts blockedThisPass = new LongCounts(1024);
    private final int[] stripeCounts = new int[PageStripes.STRIPES];
    private Op[] ops = new Op[64];
    private final ArrayDeque<Op> freeOps = new ArrayDeque<>();
    private int liveOps;
    private int walPending;
    /** Writes answered at WAL durability whose data write has not landed yet. */
    private int writesBehind;
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
    private final FutexWaitv waitv = new FutexWaitv();
    /** The io_uring queue pair, when the device is one: the reactor then sleeps on its completions and rings at once. */
    private IoUringQueuePair uring;
    /** Sessions whose request rings' waiting flags are raised for the futex watch armed in {@link #uring}. */
    private final List<ChannelSession> watched = new ArrayList<>();
    private boolean watchRaised;
    private long nextDeadlineScanNanos;
    /** Private copies of accepted writes; reactor thread only, closed when it ends. */
    private final WriteStaging staging;
    /** One log line per second at most for each kind of event a worker causes at will. */
    private final LogLimiter channelFaultLog = new LogLimiter(1_000_000_000L);
    private final LogLimiter batchLog = new LogLimiter(1_000_000_000L);
    private final LogLimiter dataWriteLog = new LogLimiter(1_000_000_000L);
    /** Routine, but a worker attaching and leaving in a loop causes one per cycle: a few a second, DEBUG beyond. */
    private final LogLimiter reclaimedLog = new LogLimiter(1_000_000_000L, 5);
    /** Private copy of the request being handled (see {@link #drainRequests}). */
    private final MemorySegment requestCopy = Arena.ofAuto().allocate(RequestDescriptor.SIZE_BYTES,
            8);
    /** Made once: a method reference written in the loop would allocate on every pass. */
    private final CompletionHandler deviceCompletions = this::onDeviceCompletion;

    Reactor(int index, BlockDevice device, int queueDepth, WriteAheadLog wal, StatusRegion status,
            PageStripes stripes, UnappliedWrites unapplied, UnwrittenPages unwritten, int pageSizeBytes,
            long capacityPages, int pageCountMax, boolean pin, Consumer<Throwable> onFatal,
            BiConsumer<ChannelSession, String> endSession) {
        this.onFatal = onFatal;
        this.endSession = endSession;
        this.unwritten = unwritten;
        this.staging = new WriteStaging(pageSizeBytes, pageCountMax);
        this.index = index;
        this.device = device;
        this.queueDepth = queueDepth;
        this.wal = wal;
        this.status = status;
        this.stripes = stripes;
        this.unapplied = unapplied;
        this.pageSizeBytes = pageSizeBytes;
        this.capacityPages = capacityPages;
        this.pageCountMax = pageCountMax;
        this.walPages = new long[pageCountMax];
        this.walImages = new MemorySegment[pageCountMax];
        this.pin = pin;
        this.thread = new Thread(this, "pagestore-reactor-" + index);
        for (int i = 0; i < ops.length; i++) {
            ops[i] = newOp(i);
            freeOps.add(ops[i]);
        }
    }

    void start() {
        thread.start();
    }

    Thread thread() {
        return thread;
    }

    int index() {
        return index;
    }

    /** Control thread: serve {@code session} from now on. */
    void add(ChannelSession session) {
        newSessions.add(session);
        wake();
    }

    /** Control thread: the worker of {@code session} is gone; reclaim its channel once its work has ended. */
    void detach(ChannelSession session) {
        detached.add(session);
        wake();
    }

    /** Stop accepting requests (answered SHUTTING_DOWN), finish the work in progress, close the queue pair, exit. */
    void beginDrain() {
        draining = true;
        wake();
    }

    void join(long millis) throws InterruptedException {
        thread.join(millis);
    }

    /**
     * Any thread, after queueing work for this reactor: ring the doorbell (a sleeping reactor waits on it with the
     * value it read before it checked its queues, so a ring between that check and the sleep makes the sleep return
     * at once), and wake it if it sleeps.
     */
    private void wake() {
        DOORBELL.getAndAdd(doorbell, 0L, 1);
        if (doorbellWatched) {
            Futex.wake(doorbell, 1);
        }
        LockSupport.unpark(thread);
        MemorySegment word = sleepingOn;
        if (word != null) {
            try {
                Futex.wake(word, 1);
            } catch (IllegalStateException e) {
                // the reactor woke and reclaimed that channel meanwhile: the unpark above is enough
            }
        }
    }

    @Override
    public void run() {
        Object affinity = null;
        try {
            if (pin) {
                affinity = net.openhft.affinity.AffinityLock.acquireLock();
                LOG.info("reactor {} pinned: {}", index, affinity);
            }
            queuePair = device.openQueuePair(queueDepth);
            uring = queuePair instanceof IoUringQueuePair u ? u : null;
            queuePair.listener(new QueuePairListener() {
                @Override
                public void onUnmappedCompletion(int queuePairId, int cid, IoStatus s, int detail) {
                    status.addReactor(index, StatusRegionDescriptor.UNMAPPED_COMPLETIONS, 1);
                }
            });
        } catch (Throwable e) {
            startFailure = e;
            started.countDown();
            return;
        }
        started.countDown();
        long drainStart = 0;
        WriteAheadLog.AfterBatch walWake = wal.afterEveryBatch(this::wakeAfterWalBatch);
        try {
            while (true) {
                int work = loopOnce();
                if (draining) {
                    if (drainStart == 0) {
                        drainStart = System.nanoTime();
                        endOpenBatches();
                    }
                    if (liveOps == 0 && walPending == 0 && allCompletionsPosted()) {
                        break;
                    }
                    if (System.nanoTime() - drainStart > DRAIN_TIMEOUT_NANOS) {
                        LOG.warn("reactor {}: {} requests still in progress after the drain timeout", index, liveOps);
                        break;
                    }
                }
                if (work == 0) {
                    idle();
                } else {
                    if (idleRounds > 0 && !sleptSinceWork) {
                        idleBudget = Math.min(IDLE_ROUNDS_MAX, idleBudget * 2);  // the spin caught this work
                    }
                    idleRounds = 0;
                    sleptSinceWork = false;
                }
            }
        } catch (Throwable e) {
            // Not one channel's fault (those are caught per channel): the loop itself broke. A reactor that is gone
            // while attaches are still routed to it would leave its workers waiting for deadlines forever.
            LOG.error("reactor {} failed; the manager stops", index, e);
            onFatal.accept(new IllegalStateException("reactor " + index + " failed: " + e, e));
        } finally {
            walWake.close();
            try {
                queuePair.close();
            } catch (RuntimeException e) {
                LOG.warn("reactor {}: closing the queue pair: {}", index, e.toString());
            }
            for (ChannelSession session : sessions) {
                closeChannel(session);
            }
            sessions.clear();
            if (affinity != null) {
                ((net.openhft.affinity.AffinityLock) affinity).release();
            }
            if (liveOps == 0 && walPending == 0) {
                staging.close();  // else the WAL writer may still read a copy: leave it to the GC-less process exit
            }
        }
    }

    /**
     * The manager is stopping: a batch still waiting for its END will not get one served, so it ends now, whole,
     * answered SHUTTING_DOWN (else the drain would wait its full timeout for it and its worker would get no answer).
     */
    private void endOpenBatches() {
        for (int i = 0; i < sessions.size(); i++) {
            ChannelSession session = sessions.get(i);
            Op batch = session.openBatch;
            if (batch != null && !session.detaching) {
                session.openBatch = null;
                finishImmediately(batch, CompletionDescriptor.STATUS_SHUTTING_DOWN);
            }
        }
    }

    private boolean allCompletionsPosted() {
        for (ChannelSession session : sessions) {
            if (session.pendingCompletions() > 0 && !session.detaching) {
                return false;
            }
        }
        return true;
    }

    int loopOnce() {
        int work = takeInbox();
        work += startDeferred();
        work += prepareAwaitingDevice();
        for (int i = 0; i < sessions.size(); i++) {
            ChannelSession session = sessions.get(i);
            try {
                work += drainRequests(session);
            } catch (Throwable e) {
                channelFault(session, e);
            }
        }
        if (queuePair.submit() > 0) {
            status.addReactor(index, StatusRegionDescriptor.DOORBELLS, 1);
            work++;
        }
        work += queuePair.poll(2 * queueDepth, deviceCompletions);
        if (watchRaised && !uring.futexWatchArmed()) {
            lowerWatch();  // the watch fired: a worker's publish will not need to wake anyone
        }
        long now = System.nanoTime();
        if (now >= nextDeadlineScanNanos) {
            work += expireDeadlines(now);
            nextDeadlineScanNanos = now + 200_000;
        }
        for (int i = 0; i < sessions.size(); i++) {
            ChannelSession session = sessions.get(i);
            try {
                work += session.flushCompletions();
            } catch (Throwable e) {
                channelFault(session, e);
            }
        }
        work += reclaimDetached();
        status.setReactor(index, StatusRegionDescriptor.IN_FLIGHT, liveOps);
        status.addReactor(index, StatusRegionDescriptor.LOOPS, 1);
        return work;
    }

    // ------------------------------------------------------------------------------------------------ inbox

    private int takeInbox() {
        int work = 0;
        ChannelSession session;
        while ((session = newSessions.poll()) != null) {
            sessions.add(session);
            status.setReactor(index, StatusRegionDescriptor.CHANNELS, sessions.size());
            work++;
        }
        while ((session = detached.poll()) != null) {
            markDetaching(session);
            work++;
        }
        Op op = walDone.takeAll();
        while (op != null) {
            Op next = op.nextDurable;
            op.nextDurable = null;
            walPending--;
            onWalDurable(op);
            work++;
            op = next;
        }
        return work;
    }

    /**
     * Serving {@code session} failed: the worker broke its ring (a sequence moved backwards or past capacity), or
     * touching its memory faulted ({@link InternalError} is how the JVM reports a fault in mapped memory), or a
     * defect here. It costs that channel only: it is no longer served, its work in progress ends normally, its channel
     * is reclaimed, and its worker sees its own deadlines expire. Errors that say the JVM itself is failing (out of
     * memory, stack overflow) are not a channel's doing and stop the reactor.
     */
    private void channelFault(ChannelSession session, Throwable e) {
        if (e instanceof VirtualMachineError && !(e instanceof InternalError)) {
            throw (VirtualMachineError) e;
        }
        status.addReactor(index, StatusRegionDescriptor.CHANNEL_FAULTS, 1);
        if (channelFaultLog.allow(System.nanoTime())) {
            LOG.warn("{} is no longer served: {} ({} similar events not logged)", session, e,
                    channelFaultLog.suppressedSinceLast());
        }
        boolean wasServed = !session.detaching;
        markDetaching(session);
        if (wasServed) {
            endSession.accept(session, "reactor " + index + " stopped serving its channel: " + e);
        }
    }

    private void markDetaching(ChannelSession session) {
        if (session.detaching) {
            return;
        }
        session.detaching = true;
        session.detachedAtNanos = System.nanoTime();
        if (session.openBatch != null) {
            Op batch = session.openBatch;
            session.openBatch = null;
            releaseOp(batch);
        }
    }

    private int reclaimDetached() {
        int work = 0;
        for (int i = sessions.size() - 1; i >= 0; i--) {
            ChannelSession session = sessions.get(i);
            if (session.detaching && session.inProgressOps == 0) {
                if (watched.remove(session)) {
                    session.requests.entriesWaitPoint().withdrawWaiting();  // before its memory goes
                }
                sessions.remove(i);
                closeChannel(session);
                status.setReactor(index, StatusRegionDescriptor.CHANNELS, sessions.size());
                long afterMillis = (System.nanoTime() - session.detachedAtNanos) / 1_000_000;
                if (reclaimedLog.allow(System.nanoTime())) {
                    LOG.info("reclaimed {} ({} ms after the worker left)", session, afterMillis);
                } else {
                    LOG.debug("reclaimed {} ({} ms after the worker left)", session, afterMillis);
                }
                work++;
            }
        }
        return work;
    }

    private void closeChannel(ChannelSession session) {
        try {
            session.channel.close();
        } catch (Exception e) {
            LOG.warn("closing {}: {}", session, e.toString());
        }
    }

    // ------------------------------------------------------------------------------------------------ requests

    private int drainRequests(ChannelSession session) {
        if (session.detaching) {
            return 0;
        }
        // Admission: never owe a worker more answers than its completion ring holds, whatever it publishes.
        int room = session.capacity - session.load();
        if (room <= 0) {
            return 0;
        }
        RingConsumer ring = session.requests;
        int n = ring.available(Math.min(DRAIN_BATCH, room));
        if (n == 0) {
            return 0;
        }
        MemorySegment entries = ring.segment();
        long now = System.nanoTime();
        for (int i = 0; i < n; i++) {
            // Copy first, then validate and use the copy: the worker can still write the shared entry, and a field
            // changed between validation and use must not reach the device (time-of-check to time-of-use).
            MemorySegment.copy(entries, ring.entryOffset(i), requestCopy, 0, RequestDescriptor.SIZE_BYTES);
            onRequest(session, requestCopy, 0, now);
        }
        ring.release(n);
        return n;
    }

    private void onRequest(ChannelSession s, MemorySegment e, long off, long now) {
        RequestDescriptor.Violation violation = RequestDescriptor.validate(e, off, s.slotCount, pageCountMax,
                capacityPages);
        byte opcode = RequestDescriptor.opcode(e, off);
        long requestId = RequestDescriptor.requestId(e, off);
        int slot = RequestDescriptor.bufferSlot(e, off);
        int tag = RequestDescriptor.clientTag(e, off);
        if (violation != RequestDescriptor.Violation.VALID || s.outstandingIds.contains(requestId)) {
            invalid(s, requestId, slot, tag);
            if (s.openBatch != null && (RequestDescriptor.flags(e, off) & RequestDescriptor.FLAG_IN_BATCH) != 0) {
                s.openBatchInvalid = true;
            }
            return;
        }
        byte flags = RequestDescriptor.flags(e, off);
        long page = RequestDescriptor.pageNumber(e, off);
        int count = RequestDescriptor.pageCount(e, off);
        long deadline = RequestDescriptor.deadlineNanos(e, off);
        long batchId = RequestDescriptor.batchId(e, off);
        boolean inBatch = (flags & RequestDescriptor.FLAG_IN_BATCH) != 0;
        int dataSlot = (opcode == RequestDescriptor.OPCODE_READ || opcode == RequestDescriptor.OPCODE_WRITE) ? slot : -1;

        if (draining) {
            endOpenBatches();  // an END arriving now would find its batch already answered
            s.complete(requestId, CompletionDescriptor.STATUS_SHUTTING_DOWN, dataSlot, 0, tag);
            return;
        }
        if (s.openBatch != null) {
            Op batch = s.openBatch;
            if (opcode == RequestDescriptor.OPCODE_WRITE && inBatch && batchId == s.openBatchId) {
                if (batch.totalPages() + count > pageCountMax || overlapsBatch(batch, page, count)) {
                    s.openBatchInvalid = true;
                }
                // A member whose slots are held by another request holds none itself (page count 0 here) and
                // breaks the batch; a broken batch is never logged, so its members are not copied either.
                boolean held = s.holdSlots(slot, count);
                StagingBuffers.Buffer copy = null;
                if (!held) {
                    s.openBatchInvalid = true;
                } else if (!s.openBatchInvalid) {
                    copy = staging.copy(s, e, off, slot, count, flags);
                    s.openBatchInvalid = copy == null;
                }
                s.outstandingIds.increment(requestId);
                batch.addMember(opcode, requestId, slot, tag, page, held ? count : 0, deadline);
                batch.staging[batch.memberCount - 1] = copy;
                if (batch.memberCount >= s.capacity) {
                    // Its END could never be admitted (we never owe a worker more answers than its ring holds): a
                    // batch this long would hold the channel forever. It fails now, whole.
                    s.openBatch = null;
                    if (batchLog.allow(now)) {
                        LOG.warn("{}: a batch of {} requests cannot end in a ring of {}; answered INVALID ({} similar"
                                + " events not logged)", s, batch.memberCount, s.capacity,
                                batchLog.suppressedSinceLast());
                    }
                    finishImmediately(batch, CompletionDescriptor.STATUS_INVALID);
                }
                return;
            }
            if (opcode == RequestDescriptor.OPCODE_BATCH_END && batchId == s.openBatchId) {
                s.outstandingIds.increment(requestId);
                batch.addMember(opcode, requestId, -1, tag, 0, 0, deadline);
                s.openBatch = null;
                if (s.openBatchInvalid || batch.totalPages() == 0) {
                    finishImmediately(batch, CompletionDescriptor.STATUS_INVALID);
                } else {
                    accept(batch, now);
                }
                return;
            }
            // Anything else inside an open batch breaks it: the batch and this request are INVALID.
            s.openBatch = null;
            finishImmediately(batch, CompletionDescriptor.STATUS_INVALID);
            invalid(s, requestId, dataSlot, tag);
            return;
        }
        switch (opcode) {
            case RequestDescriptor.OPCODE_READ, RequestDescriptor.OPCODE_WRITE -> {
                if (inBatch) {
                    invalid(s, requestId, slot, tag);
                    return;
                }
                if (deadline != 0 && deadline <= now) {
                    s.complete(requestId, CompletionDescriptor.STATUS_TIMEOUT, slot, 0, tag);
                    status.addReactor(index, StatusRegionDescriptor.TIMEOUTS, 1);
                    return;
                }
                if (!s.holdSlots(slot, count)) {
                    invalid(s, requestId, slot, tag);  // its slots belong to a request not yet finally answered
                    return;
                }
                StagingBuffers.Buffer copy = null;
                if (opcode == RequestDescriptor.OPCODE_WRITE) {
                    copy = staging.copy(s, e, off, slot, count, flags);
                    if (copy == null) {
                        s.releaseSlots(slot, count);
                        invalid(s, requestId, slot, tag);
                        return;
                    }
                }
                Op op = allocateOp(opcode == RequestDescriptor.OPCODE_READ ? Op.READ : Op.WRITE, s, now);
                s.outstandingIds.increment(requestId);
                op.addMember(opcode, requestId, slot, tag, page, count, deadline);
                op.staging[0] = copy;
                accept(op, now);
            }
            case RequestDescriptor.OPCODE_FLUSH ->
                // Every acknowledged write is already durable in the WAL: a flush has nothing left to wait for.
                s.complete(requestId, CompletionDescriptor.STATUS_OK, -1, wal.durableLsn(), tag);
            case RequestDescriptor.OPCODE_BATCH_BEGIN -> {
                Op batch = allocateOp(Op.WRITE, s, now);
                s.outstandingIds.increment(requestId);
                batch.addMember(opcode, requestId, -1, tag, 0, 0, deadline);
                s.openBatch = batch;
                s.openBatchId = batchId;
                s.openBatchInvalid = false;
            }
            default -> invalid(s, requestId, -1, tag);  // BATCH_END without BEGIN
        }
    }

    private static boolean overlapsBatch(Op batch, long page, int count) {
        for (long p = page; p < page + count; p++) {
            if (batch.touches(p)) {
                return true;
            }
        }
        return false;
    }

    private void invalid(ChannelSession s, long requestId, int slot, int tag) {
        s.complete(requestId, CompletionDescriptor.STATUS_INVALID, slot, 0, tag);
        status.addReactor(index, StatusRegionDescriptor.INVALID_REQUESTS, 1);
    }

    private Op allocateOp(byte kind, ChannelSession session, long now) {
        Op op = freeOps.poll();
        if (op == null) {
            int old = ops.length;
            ops = Arrays.copyOf(ops, old * 2);
            for (int i = old; i < ops.length; i++) {
                ops[i] = newOp(i);
                freeOps.add(ops[i]);
            }
            op = freeOps.poll();
        }
        op.reset(kind, session, now);
        session.inProgressOps++;
        liveOps++;
        return op;
    }

    private void releaseOp(Op op) {
        for (int m = 0; m < op.memberCount; m++) {
            if (op.staging[m] != null) {
                staging.release(op.staging[m]);
                op.staging[m] = null;
            }
        }
        op.session.inProgressOps--;
        liveOps--;
        op.session = null;
        freeOps.add(op);
    }

    /** Completes every member with {@code statusCode} and frees the op; for ops that never started. */
    private void finishImmediately(Op op, int statusCode) {
        ChannelSession s = op.session;
        for (int m = 0; m < op.memberCount; m++) {
            s.outstandingIds.decrement(op.requestIds[m]);
            s.releaseSlots(op.slots[m], op.pageCounts[m]);
            s.complete(op.requestIds[m], statusCode, op.slots[m], 0, op.tags[m]);
        }
        if (statusCode == CompletionDescriptor.STATUS_INVALID) {
            status.addReactor(index, StatusRegionDescriptor.INVALID_REQUESTS, op.memberCount);
        }
        releaseOp(op);
    }

    // ------------------------------------------------------------------------------------------------ ordering

    private void accept(Op op, long now) {
        if (!deferred.isEmpty() || !tryStart(op)) {
            deferred.add(op);
        }
    }

    private int startDeferred() {
        if (deferred.isEmpty()) {
            return 0;
        }
        int started = 0;
        blockedThisPass.clear();
        int n = deferred.size();
        for (int i = 0; i < n; i++) {
            Op op = deferred.poll();
            if (op.cancelled) {
                releaseOp(op);
                started++;
                continue;
            }
            if (!touchesBlocked(op) && tryStart(op)) {
                started++;
            } else {
                markBlocked(op);
                deferred.add(op);
            }
        }
        return started;
    }

    private boolean touchesBlocked(Op op) {
        if (blockedThisPass.isEmpty()) {
            return false;
        }
        for (int m = 0; m < op.memberCount; m++) {
            for (int k = 0; k < op.pageCounts[m]; k++) {
                if (blockedThisPass.contains(op.firstPages[m] + k)) {
                    return true;
                }
            }
        }
        return false;
    }

    private void markBlocked(Op op) {
        for (int m = 0; m < op.memberCount; m++) {
            for (int k = 0; k < op.pageCounts[m]; k++) {
                blockedThisPass.increment(op.firstPages[m] + k);
            }
        }
    }

    /**
     * Starts {@code op} unless one of its pages has a write in progress here (or, for a write, a read), or its stripe
     * is held by another reactor: reads take stripes too, so that no read is ever on the device while another
     * reactor writes the same page (a torn image for pages larger than the device's atomic write unit).
     */
    private boolean tryStart(Op op) {
        for (int m = 0; m < op.memberCount; m++) {
            for (int k = 0; k < op.pageCounts[m]; k++) {
                long page = op.firstPages[m] + k;
                if (busyPages.contains(page) || (op.kind == Op.WRITE && readingPages.contains(page))) {
                    return false;
                }
            }
        }
        if (!acquireStripes(op)) {
            return false;
        }
        op.started = true;
        LongCounts marks = op.kind == Op.WRITE ? busyPages : readingPages;
        for (int m = 0; m < op.memberCount; m++) {
            for (int k = 0; k < op.pageCounts[m]; k++) {
                marks.increment(op.firstPages[m] + k);
            }
        }
        if (op.kind == Op.WRITE) {
            appendToWal(op);
        } else {
            if (!unwritten.isEmpty()) {
                snapshotOverlays(op);
            }
            awaitingDevice.add(op);
            prepareAwaitingDevice();
        }
        return true;
    }

    private boolean acquireStripes(Op op) {
        long now = System.nanoTime();
        int acquired = 0;
        int total = 0;
        boolean ok = true;
        outer:
        for (int m = 0; m < op.memberCount; m++) {
            for (int k = 0; k < op.pageCounts[m]; k++) {
                total++;
                if (!stripes.tryAcquire(PageStripes.stripeOf(op.firstPages[m] + k), index, stripeCounts, now)) {
                    ok = false;
                    break outer;
                }
                acquired++;
            }
        }
        if (!ok) {
            int released = 0;
            for (int m = 0; m < op.memberCount && released < acquired; m++) {
                for (int k = 0; k < op.pageCounts[m] && released < acquired; k++) {
                    stripes.release(PageStripes.stripeOf(op.firstPages[m] + k), index, stripeCounts);
                    released++;
                }
            }
        }
        assert ok || acquired < total;
        return ok;
    }

    private void releasePages(Op op) {
        if (!op.started) {
            return;
        }
        LongCounts marks = op.kind == Op.WRITE ? busyPages : readingPages;
        for (int m = 0; m < op.memberCount; m++) {
            for (int k = 0; k < op.pageCounts[m]; k++) {
                long page = op.firstPages[m] + k;
                marks.decrement(page);
                stripes.release(PageStripes.stripeOf(page), index, stripeCounts);
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ WAL

    private void appendToWal(Op op) {
        int total = 0;
        for (int m = 0; m < op.memberCount; m++) {
            for (int k = 0; k < op.pageCounts[m]; k++) {
                walPages[total] = op.firstPages[m] + k;
                MemorySegment copy = op.staging[m].segment;
                walImages[total] = copy.byteSize() == pageSizeBytes ? copy
                        : copy.asSlice((long) k * pageSizeBytes, pageSizeBytes);
                total++;
            }
        }
        op.ticket = unapplied.begin();
        walPending++;
        try {
            wal.append(walPages, walImages, total, op.walCallback);
        } catch (RuntimeException e) {
            op.walCallback.onFailed(e);
        } finally {
            Arrays.fill(walImages, 0, total, null);
        }
    }

    /**
     * An op's WAL callback: records the outcome and hands the op back to this reactor. Called on the WAL writer
     * thread (or on this reactor, for an append refused at once); the writer wakes this reactor once after the whole
     * batch ({@link #wakeAfterWalBatch}), not once per op.
     */
    private final class WalCallback implements AppendCallback {
        private final Op op;

        WalCallback(Op op) {
            this.op = op;
        }

        @Override
        public void onDurable(long lsn) {
            op.lsn = lsn;
            op.walFailure = null;
            walDone.push(op);  // release: the fields above are visible to the reactor that takes it
        }

        @Override
        public void onFailed(Throwable failure) {
            op.lsn = -1;
            op.walFailure = failure;
            walDone.push(op);
        }
    }

    /**
     * Run by the WAL writer after each batch: one wake for every op of the batch this reactor had. Woken at each op's
     * push instead, a reactor took the first few ops while the writer was still telling the rest, and (with an
     * {@code unpark} plus a possible {@code futex} wake per op) slowed the writer telling them (bench/HISTORY.md).
     */
    private void wakeAfterWalBatch() {
        if (!walDone.isEmpty()) {
            wake();
        }
    }

    private Op newOp(int id) {
        Op op = new Op(id);
        op.walCallback = new WalCallback(op);
        return op;
    }

    private void onWalDurable(Op op) {
        if (op.walFailure instanceof WalNoSpaceException) {
            // no room for the log's next segment: nothing was written and the log works on (the WAL logs it once)
            unapplied.end(op.ticket);
            op.status = CompletionDescriptor.STATUS_NO_SPACE;
            finish(op);
            return;
        }
        if (op.walFailure != null) {
            LOG.error("WAL append failed; the write is answered IO_ERROR", op.walFailure);
            unapplied.end(op.ticket);
            onFatal.accept(op.walFailure);
            op.status = CompletionDescriptor.STATUS_IO_ERROR;
            finish(op);
            return;
        }
        // Durable in the log: the write is committed, so it is answered now unless too many data writes are already
        // behind (then it is answered when its own lands, which slows the writers to the data device's pace). Its
        // pages stay busy until the data write lands, so a later read or write of them waits for it here. The data
        // write is always done, even past the deadline, so that the data file matches the log for every later read.
        if (writesBehind < WRITES_BEHIND_MAX) {
            answer(op);
            writesBehind++;
        }
        if (!unwritten.isEmpty()) {
            for (int m = 0; m < op.memberCount; m++) {
                for (int k = 0; k < op.pageCounts[m]; k++) {
                    unwritten.beginOverwrite(op.firstPages[m] + k);
                }
            }
        }
        awaitingDevice.add(op);
        prepareAwaitingDevice();
    }

    // ------------------------------------------------------------------------------------------------ device

    private int prepareAwaitingDevice() {
        int prepared = 0;
        while (!awaitingDevice.isEmpty()) {
            Op op = awaitingDevice.peek();
            while (op.nextMemberToPrepare < op.memberCount) {
                int m = op.nextMemberToPrepare;
                if (op.pageCounts[m] == 0) {
                    op.nextMemberToPrepare++;
                    continue;
                }
                long tag = ((long) op.id << 20) | m;
                MemorySegment buffer = op.memberBuffer(m, pageSizeBytes);
                long offset = op.firstPages[m] * pageSizeBytes;
                int length = op.pageCounts[m] * pageSizeBytes;
                boolean ok = op.kind == Op.READ
                        ? queuePair.prepareRead(tag, buffer, offset, length, QueuePair.NO_DEADLINE)
                        : queuePair.prepareWrite(tag, buffer, offset, length, QueuePair.NO_DEADLINE);
                if (!ok) {
                    return prepared;  // queue pair full: continue after the next reap
                }
                op.devicePending++;
                op.nextMemberToPrepare++;
                prepared++;
            }
            awaitingDevice.poll();
        }
        return prepared;
    }

    private void onDeviceCompletion(long tag, IoStatus ioStatus, int transferredBytes, int detail) {
        Op op = ops[(int) (tag >>> 20)];
        assert op.devicePending > 0 : "completion for op " + op.id + " with nothing pending";
        if (op.kind == Op.WRITE) {
            // The write is committed (its record is durable): the answer is OK whatever the data file says. A failed
            // data write is kept in memory for reads and for the checkpointer to retry (UnwrittenPages).
            onDataWritten(op, (int) (tag & 0xFFFFF), ioStatus);
        } else if (!ioStatus.isOk() && op.status == 0) {
            op.status = switch (ioStatus) {
                case NO_SPACE -> CompletionDescriptor.STATUS_NO_SPACE;
                case TIMEOUT -> CompletionDescriptor.STATUS_TIMEOUT;
                default -> CompletionDescriptor.STATUS_IO_ERROR;
            };
            status.addReactor(index, StatusRegionDescriptor.ERRORS, 1);
        }
        op.devicePending--;
        if (op.devicePending == 0 && op.nextMemberToPrepare == op.memberCount) {
            if (op.ticket >= 0) {
                unapplied.end(op.ticket);
            }
            finish(op);
        }
    }

    private void onDataWritten(Op op, int m, IoStatus ioStatus) {
        if (ioStatus.isOk()) {
            if (!unwritten.isEmpty()) {
                for (int k = 0; k < op.pageCounts[m]; k++) {
                    unwritten.written(op.firstPages[m] + k, op.lsn);
                }
            }
            return;
        }
        for (int k = 0; k < op.pageCounts[m]; k++) {
            unwritten.failed(op.firstPages[m] + k, op.lsn,
                    op.staging[m].segment.asSlice((long) k * pageSizeBytes, pageSizeBytes));
        }
        status.addReactor(index, StatusRegionDescriptor.DEFERRED_DATA_WRITES, 1);
        if (unwritten.isFull()) {
            // The data device fails write after write: keeping every page in memory would end in the heap running
            // out. Stop while the WAL still holds them all; the next start replays them.
            onFatal.accept(new IllegalStateException(unwritten.size() + " committed pages could not be written to the"
                    + " data file (last: " + ioStatus + "); the data device is failing, so the manager stops"));
        }
        if (dataWriteLog.allow(System.nanoTime())) {
            LOG.warn("reactor {}: data-file write of pages {}..{} failed ({}) after their WAL record (lsn {}) was"
                    + " durable; the write stands, reads are served from memory and the checkpointer retries it"
                    + " ({} similar events not logged)", index, op.firstPages[m], op.firstPages[m] + op.pageCounts[m]
                    - 1, ioStatus, op.lsn, dataWriteLog.suppressedSinceLast());
        }
    }

    /** A read about to start: keeps the committed images the data file lacks for its pages, to overlay at the end. */
    private void snapshotOverlays(Op op) {
        int page = 0;
        for (int m = 0; m < op.memberCount; m++) {
            for (int k = 0; k < op.pageCounts[m]; k++, page++) {
                byte[] image = unwritten.imageOf(op.firstPages[m] + k);
                if (image != null) {
                    if (op.overlays == null) {
                        op.overlays = new byte[op.totalPages()][];
                    }
                    op.overlays[page] = image;
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ completion

    /** Answers the op (if not done yet), then frees its pages and the op itself. */
    private void finish(Op op) {
        if (op.answered) {
            writesBehind--;
        } else {
            answer(op);
        }
        releasePages(op);
        releaseOp(op);
    }

    /**
     * Posts the op's completions: for a read once its data is in the worker's slots, for a write once its WAL record
     * is durable (its data write may still be on the device: {@link #onWalDurable}).
     */
    private void answer(Op op) {
        op.answered = true;
        ChannelSession s = op.session;
        int result = op.status == 0 ? CompletionDescriptor.STATUS_OK : op.status;
        if (op.kind == Op.WRITE && result == CompletionDescriptor.STATUS_OK) {
            // Before the completions are published: whoever sees the acknowledgement sees the new version.
            for (int m = 0; m < op.memberCount; m++) {
                for (int k = 0; k < op.pageCounts[m]; k++) {
                    status.bumpVersion(op.firstPages[m] + k);
                }
            }
        }
        if (op.kind == Op.READ && op.overlays != null && result == CompletionDescriptor.STATUS_OK
                && !s.detaching) {
            try {
                overlay(op);
            } catch (Throwable e) {
                channelFault(s, e);
            }
        }
        int pages = op.totalPages();
        if (op.kind == Op.READ) {
            status.addReactor(index, StatusRegionDescriptor.READ_REQUESTS, op.memberCount);
            status.addReactor(index, StatusRegionDescriptor.PAGES_READ, pages);
        } else {
            status.addReactor(index, StatusRegionDescriptor.WRITE_REQUESTS, op.memberCount);
            status.addReactor(index, StatusRegionDescriptor.PAGES_WRITTEN, pages);
        }
        status.recordLatency(index, System.nanoTime() - op.startNanos);
        for (int m = 0; m < op.memberCount; m++) {
            s.outstandingIds.decrement(op.requestIds[m]);
            s.releaseSlots(op.slots[m], op.pageCounts[m]);  // the final answer: the slot is the worker's again
            if (op.timedOut) {
                s.complete(op.requestIds[m], CompletionDescriptor.STATUS_TIMEOUT, op.slots[m],
                        PageStoreProtocol.RESULT_SLOT_RELEASED, op.tags[m]);
            } else {
                long value = op.opcodes[m] == RequestDescriptor.OPCODE_BATCH_END ? op.lsn
                        : (long) op.pageCounts[m] * pageSizeBytes;
                s.complete(op.requestIds[m], result, op.slots[m], result == CompletionDescriptor.STATUS_OK
                        ? value : 0, op.tags[m]);
            }
        }
    }

    private void overlay(Op op) {
        int page = 0;
        for (int m = 0; m < op.memberCount; m++) {
            for (int k = 0; k < op.pageCounts[m]; k++, page++) {
                byte[] image = op.overlays[page];
                if (image != null) {
                    MemorySegment.copy(image, 0, op.session.channel.buffer(op.slots[m] + k),
                            ValueLayout.JAVA_BYTE, 0, pageSizeBytes);
                }
            }
        }
    }

    private int expireDeadlines(long now) {
        int expired = 0;
        for (Op op : ops) {
            if (op.session == null || op.answered || op.timedOut || op.cancelled || op.deadlineNanos == 0
                    || op.deadlineNanos > now) {
                continue;
            }
            ChannelSession s = op.session;
            status.addReactor(index, StatusRegionDescriptor.TIMEOUTS, op.memberCount);
            expired++;
            if (op == s.openBatch) {
                // A batch whose END has not come by its deadline ends here, whole; later parts of it are INVALID.
                s.openBatch = null;
                for (int m = 0; m < op.memberCount; m++) {
                    s.outstandingIds.decrement(op.requestIds[m]);
                    s.releaseSlots(op.slots[m], op.pageCounts[m]);
                    s.complete(op.requestIds[m], CompletionDescriptor.STATUS_TIMEOUT, op.slots[m], 0, op.tags[m]);
                }
                releaseOp(op);
                continue;
            }
            if (!op.started) {
                // Never reached the WAL or the device: nothing holds its slots.
                op.cancelled = true;
                for (int m = 0; m < op.memberCount; m++) {
                    s.outstandingIds.decrement(op.requestIds[m]);
                    s.releaseSlots(op.slots[m], op.pageCounts[m]);
                    s.complete(op.requestIds[m], CompletionDescriptor.STATUS_TIMEOUT, op.slots[m], 0, op.tags[m]);
                }
                continue;  // freed when it leaves the deferred queue
            }
            op.timedOut = true;
            for (int m = 0; m < op.memberCount; m++) {
                s.complete(op.requestIds[m], CompletionDescriptor.STATUS_TIMEOUT, op.slots[m],
                        PageStoreProtocol.RESULT_SLOT_FENCED, op.tags[m]);
            }
        }
        return expired;
    }

    // ------------------------------------------------------------------------------------------------ idle

    private void idle() {
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
        if (uring != null && uring.futexWatchSupported() && waitv.available() && !draining) {
            // Sleep in io_uring_enter until the device completes something or a ring or the doorbell is woken.
            if (!uring.futexWatchArmed()) {
                if (watchRaised) {
                    lowerWatch();
                }
                if (!raiseWatch()) {
                    lowerWatch();
                    return;  // work arrived while the flags went up
                }
                if (!uring.armFutexWatch(waitv.array(), waitv.count())) {
                    lowerWatch();
                    LockSupport.parkNanos(50_000);
                    return;
                }
            }
            uring.submitAndAwait(sleepBoundNanos());  // arming and sleeping: one io_uring_enter
            return;
        }
        if (walPending == 0 && deferred.isEmpty() && queuePair.inFlightCount() > 0 && uring != null) {
            // Only the device owes us anything: wait in io_uring_enter, which returns at the first completion.
            uring.awaitCompletions(50_000);
            return;
        }
        if (draining || queuePair.inFlightCount() > 0 || !awaitingDevice.isEmpty()) {
            LockSupport.parkNanos(50_000);
            return;
        }
        // Nothing on the device: what comes next is a worker's request, the end of a WAL batch or a control event,
        // and each of them rings (a ring buffer's word or the doorbell).
        if (waitv.available()) {
            sleepOnAll(sleepBoundNanos());
            return;
        }
        if (walPending > 0 || !deferred.isEmpty()) {
            LockSupport.parkNanos(50_000);  // no futex_waitv: the WAL's wake is an unpark, seen within 50 us
            return;
        }
        int live = 0;
        ChannelSession only = null;
        for (int i = 0; i < sessions.size(); i++) {
            ChannelSession s = sessions.get(i);
            if (!s.detaching) {
                live++;
                only = s;
            }
        }
        if (live == 0) {
            LockSupport.parkNanos(DEEP_SLEEP_ONE_CHANNEL_NANOS);
            return;
        }
        ChannelSession target = only;
        if (live > 1) {
            // No futex_waitv: sleep on one ring (rotating) with a short bound, noticing the others at the timeout.
            for (int i = 0; i < sessions.size(); i++) {
                ChannelSession s = sessions.get((sleepCursor + i) % sessions.size());
                if (!s.detaching) {
                    target = s;
                    break;
                }
            }
            sleepCursor++;
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
            if (point.sequenceAcquire() == seen && nothingQueued()) {
                point.sleep(seen, live == 1 ? DEEP_SLEEP_ONE_CHANNEL_NANOS : DEEP_SLEEP_SEVERAL_CHANNELS_NANOS);
            }
        } finally {
            sleepingOn = null;
            point.withdrawWaiting();
        }
    }

    /**
     * Raises the waiting flag of every served request ring (naming the sequence seen, as {@link WaitPoint} does) and
     * the doorbell's, and fills {@link #waitv} with their words, for a futex watch armed in the queue pair. False when
     * work is already waiting; the caller lowers what was raised.
     */
    private boolean raiseWatch() {
        waitv.clear();
        watchRaised = true;
        int bell = (int) DOORBELL.getVolatile(doorbell, 0L);
        doorbellWatched = true;  // before the last look at the queues: a waker after it sees the flag
        waitv.add(doorbell, bell);
        for (int i = 0; i < sessions.size() && waitv.count() < FutexWaitv.WAITERS_MAX; i++) {
            ChannelSession s = sessions.get(i);
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
        return nothingQueued();
    }

    private void lowerWatch() {
        doorbellWatched = false;
        for (int i = 0; i < watched.size(); i++) {
            watched.get(i).requests.entriesWaitPoint().withdrawWaiting();
        }
        watched.clear();
        watchRaised = false;
    }

    /**
     * How long an idle reactor may sleep. Nothing wakes it when another reactor frees a page stripe its deferred ops
     * wait for, and the stripe's waiter claim must be renewed within {@link PageStripes}' freshness window, so those
     * are retried every 50 us; deadlines and the queue pair's retries are checked only by the loop, so with requests
     * in progress it sleeps at most 1 ms; otherwise 10 ms.
     */
    private long sleepBoundNanos() {
        if (!deferred.isEmpty()) {
            return DEFERRED_RETRY_NANOS;
        }
        return liveOps > 0 ? BUSY_SLEEP_NANOS : DEEP_SLEEP_ONE_CHANNEL_NANOS;
    }

    /**
     * Whether a sleep watches {@code s}'s request ring. A ring without room is not drained ({@link #drainRequests}),
     * so what is published on it is no work now: counted as waiting work, a worker that publishes past its room would
     * keep this reactor spinning.
     */
    private static boolean watchable(ChannelSession s) {
        return !s.detaching && s.capacity - s.load() > 0;
    }

    private boolean nothingQueued() {
        return newSessions.isEmpty() && detached.isEmpty() && walDone.isEmpty() && !draining;
    }

    /**
     * Sleeps on the doorbell and every served channel's request ring at once ({@code futex_waitv}): raise each ring's
     * waiting flag naming the sequence seen, fence, re-check them all, then sleep until any worker's publish wakes its
     * ring's word (the same Dekker handshake as {@link WaitPoint}, once per ring) or another thread rings the
     * doorbell.
     */
    private void sleepOnAll(long sleepNanos) {
        waitv.clear();
        int bell = (int) DOORBELL.getVolatile(doorbell, 0L);
        doorbellWatched = true;  // before the last look at the queues: a waker after it sees the flag
        waitv.add(doorbell, bell);
        int announced = 0;
        try {
            for (int i = 0; i < sessions.size() && announced < FutexWaitv.WAITERS_MAX - 1; i++) {
                ChannelSession s = sessions.get(i);
                if (!watchable(s)) {
                    continue;
                }
                RingConsumer ring = s.requests;
                WaitPoint point = ring.entriesWaitPoint();
                long seen = point.sequenceAcquire();
                if (seen != ring.sequence()) {
                    return;  // requests are waiting
                }
                point.announceWaiting(seen);  // includes the StoreLoad fence before the re-check below
                announced++;
                MemorySegment word = ring.segment().asSlice(RingDescriptor.PRODUCER_SEQUENCE_OFFSET, 4);
                if (point.sequenceAcquire() != seen) {
                    return;
                }
                waitv.add(word, (int) seen);
            }
            if (nothingQueued()) {
                waitv.await(System.nanoTime() + sleepNanos);
            }
        } finally {
            doorbellWatched = false;
            sleepingOn = null;
            int withdrawn = 0;
            for (int i = 0; i < sessions.size() && withdrawn < announced; i++) {
                ChannelSession s = sessions.get(i);
                if (watchable(s)) {  // the rings announced above: nothing ran since
                    s.requests.entriesWaitPoint().withdrawWaiting();
                    withdrawn++;
                }
            }
        }
    }
}

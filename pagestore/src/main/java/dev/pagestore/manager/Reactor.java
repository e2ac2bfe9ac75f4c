package dev.pagestore.manager;

import dev.pagestore.ipc.ring.CompletionDescriptor;
import dev.pagestore.nvme.BlockDevice;
import dev.pagestore.nvme.QueuePair;
import dev.pagestore.status.StatusRegionDescriptor;
import dev.pagestore.wal.WalNoSpaceException;
import dev.pagestore.wal.WriteAheadLog;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One reactor thread: owns one {@link QueuePair} (opened on this thread, so the queue pair's ownership check names
 * it) and serves the channels assigned to it. Its loop only sequences the stages, each a class with one job:
 * <ol>
 *   <li>{@link ServedChannels}: channels handed over or detached by the control thread;</li>
 *   <li>{@link WalStage}: writes whose WAL record became durable (or failed) go on to the device;</li>
 *   <li>{@link PageOrder}: deferred ops whose pages are free now start;</li>
 *   <li>{@link RequestIntake}: each channel's requests, validated and assembled into ops, go to the page order;</li>
 *   <li>started writes go to the {@link WalStage}, started reads to the {@link DeviceStage};</li>
 *   <li>{@link DeviceStage}: one doorbell for everything prepared, one drain of completions, then the reads the
 *       queue pair timed out and the ended ops are answered ({@link Answers});</li>
 *   <li>{@link Deadlines}: the ops past their deadline that the queue pair does not time out (reads not yet on it,
 *       every write) are answered TIMEOUT;</li>
 *   <li>completions are posted, one publish per channel; channels whose work ended are reclaimed;</li>
 *   <li>a pass without work idles ({@link ReactorSleep}).</li>
 * </ol>
 * The ops a stage hands on pass through the loop, in the order they came, so a page's writes are logged, written and
 * answered in the order they were accepted.
 */
final class Reactor implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(Reactor.class);

    private final int index;
    private final BlockDevice device;
    private final int queueDepth;
    private final int pageSizeBytes;
    private final WriteAheadLog wal;
    private final StatusRegion status;
    private final UnwrittenPages unwritten;
    private final boolean pin;
    /**
     * Told when the manager can no longer serve: the WAL failed (fsyncgate: never pretend a write is durable), or this
     * reactor's loop itself failed. The manager stops at once rather than stay half alive.
     */
    private final Consumer<Throwable> onFatal;
    private final Thread thread;
    final CountDownLatch started = new CountDownLatch(1);
    volatile Throwable startFailure;
    private volatile boolean draining;
    /** How long the drain waits for work in progress; published by the volatile write of {@link #draining} after it. */
    private long drainWaitNanos;
    /** The last loop pass's start and whether it found work: its whole length is busy time (status region). */
    private long lastPassStart;
    private boolean lastPassWorked;

    private final ServedChannels channels;
    private final ReactorSleep sleep;
    /** Private copies of accepted writes; closed when the reactor ends. */
    private final WriteStaging staging;
    private final Deadlines deadlines = new Deadlines();
    private final WalStage walStage;
    private final OpPool pool;
    private final PageOrder order;
    private final Answers answers;
    private final RequestIntake intake;
    /** Made on the reactor thread, where its queue pair is opened. */
    private DeviceStage deviceStage;
    private QueuePair queuePair;

    Reactor(int index, BlockDevice device, int queueDepth, WriteAheadLog wal, StatusRegion status,
            PageStripes stripes, UnappliedWrites unapplied, UnwrittenPages unwritten, int pageSizeBytes,
            long capacityPages, int pageCountMax, boolean pin, Consumer<Throwable> onFatal,
            BiConsumer<ChannelSession, String> endSession) {
        this.index = index;
        this.device = device;
        this.queueDepth = queueDepth;
        this.pageSizeBytes = pageSizeBytes;
        this.wal = wal;
        this.status = status;
        this.unwritten = unwritten;
        this.pin = pin;
        this.onFatal = onFatal;
        this.thread = new Thread(this, "pagestore-reactor-" + index);
        this.staging = new WriteStaging(pageSizeBytes, pageCountMax);
        this.walStage = new WalStage(wal, unapplied, pageSizeBytes, pageCountMax);
        this.pool = new OpPool(id -> {
            Op op = new Op(id);
            op.walCallback = walStage.callbackFor(op);
            return op;
        }, staging, deadlines);
        this.order = new PageOrder(index, stripes, pool);
        this.channels = new ServedChannels(index, status, endSession, pool);
        this.answers = new Answers(index, pageSizeBytes, status, pool, order, unapplied, channels::fault);
        this.intake = new RequestIntake(index, pageCountMax, capacityPages, status, staging, pool, deadlines, order,
                answers, wal::durableLsn);
        this.sleep = new ReactorSleep(thread, channels, this::nothingHandedOver);
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
        channels.add(session);
        sleep.wake();
    }

    /** Control thread: the worker of {@code session} is gone; reclaim its channel once its work has ended. */
    void detach(ChannelSession session) {
        channels.detach(session);
        sleep.wake();
    }

    /**
     * Stop accepting requests (answered SHUTTING_DOWN), finish the work in progress for up to {@code waitMillis},
     * close the queue pair, exit.
     */
    void beginDrain(long waitMillis) {
        drainWaitNanos = TimeUnit.MILLISECONDS.toNanos(waitMillis);
        draining = true;
        sleep.wake();
    }

    void join(long millis) throws InterruptedException {
        thread.join(millis);
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
            deviceStage = new DeviceStage(index, queuePair, queueDepth, pageSizeBytes, status, pool, unwritten,
                    deadlines, onFatal);
            sleep.sleepIn(queuePair);
        } catch (Throwable e) {
            startFailure = e;
            started.countDown();
            return;
        }
        started.countDown();
        WriteAheadLog.AfterBatch walWake = wal.afterEveryBatch(this::wakeAfterWalBatch);
        try {
            serve();
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
            channels.closeAll();
            if (affinity != null) {
                ((net.openhft.affinity.AffinityLock) affinity).release();
            }
            staging.close();  // its buffers go once nothing refers to them: a copy in flight stays until then
        }
    }

    private void serve() {
        long drainStart = 0;
        while (true) {
            int work = loopOnce();
            if (draining) {
                if (drainStart == 0) {
                    drainStart = System.nanoTime();
                    intake.endOpenBatches(channels);
                }
                if (pool.live() == 0 && walStage.pending() == 0 && channels.allCompletionsPosted()) {
                    return;
                }
                if (System.nanoTime() - drainStart > drainWaitNanos) {
                    LOG.warn("reactor {}: {} requests still in progress after waiting {} ms for them", index,
                            pool.live(), TimeUnit.NANOSECONDS.toMillis(drainWaitNanos));
                    return;
                }
            }
            if (work == 0) {
                sleep.idle(draining, walStage, order, deviceStage, pool.live() > 0);
            } else {
                sleep.worked();
            }
        }
    }

    private int loopOnce() {
        long start = System.nanoTime();
        if (lastPassWorked) {  // the whole previous pass, its completions' publishing and wakes included
            status.addReactor(index, StatusRegionDescriptor.BUSY_NANOS, start - lastPassStart);
        }
        lastPassStart = start;
        int work = channels.takeHandedOver(queuePair);
        work += committed();
        work += walStage.retryWaiting();
        work += order.startDeferred();
        work += dispatchStarted();
        long now = System.nanoTime();
        boolean stopping = draining;
        for (int i = 0; i < channels.size(); i++) {
            ChannelSession session = channels.get(i);
            try {
                work += intake.drain(session, now, stopping);
            } catch (Throwable e) {
                channels.fault(session, e);
            }
        }
        work += dispatchStarted();
        work += deviceStage.prepare();
        work += deviceStage.submit();
        int reaped = deviceStage.poll();
        if (reaped > 0) {
            work += reaped;
            status.addReactor(index, StatusRegionDescriptor.REAPS, 1);
        }
        sleep.afterReap();
        for (Op op; (op = deviceStage.takeTimedOut()) != null; ) {
            work += answers.timedOutOnDevice(op);
        }
        for (Op op; (op = deviceStage.takeEnded()) != null; ) {
            answers.finish(op);
        }
        work += answers.expire(deadlines, System.nanoTime());
        work += channels.flushCompletions();
        work += channels.reclaim(sleep, queuePair);
        status.setReactor(index, StatusRegionDescriptor.IN_FLIGHT, pool.live());
        status.addReactor(index, StatusRegionDescriptor.LOOPS, 1);
        lastPassWorked = work > 0;
        return work;
    }

    /** Started writes go to the WAL, started reads to the device, in the order they started. */
    private int dispatchStarted() {
        int n = 0;
        for (Op op; (op = order.takeStarted()) != null; n++) {
            if (op.kind == Op.WRITE) {
                walStage.append(op);
            } else {
                deviceStage.read(op);
            }
        }
        return n;
    }

    /**
     * Writes whose WAL record became durable: answered now (unless too many data writes are behind), their data
     * write queued; their pages stay busy until it lands, so a later read or write of them waits for it. The data
     * write is always done, even past the deadline, so that the data file matches the log for every later read.
     */
    private int committed() {
        int n = 0;
        Op op = walStage.takeDone();
        while (op != null) {
            Op next = op.nextDurable;
            op.nextDurable = null;
            if (op.walFailure instanceof WalNoSpaceException) {
                // no room for the log's next segment: nothing was written and the log works on (the WAL logs it)
                answers.notCommitted(op, CompletionDescriptor.STATUS_NO_SPACE);
            } else if (op.walFailure != null) {
                LOG.error("WAL append failed; the write is answered IO_ERROR", op.walFailure);
                onFatal.accept(op.walFailure);
                answers.notCommitted(op, CompletionDescriptor.STATUS_IO_ERROR);
            } else {
                answers.committed(op);
                deviceStage.write(op);
            }
            n++;
            op = next;
        }
        return n;
    }

    /**
     * Run by the WAL writer after each batch: one wake for every op of the batch this reactor had. A wake per op
     * would cost the writer an {@code unpark} and maybe a {@code futex} wake each, and the reactor would take the
     * first ops while the writer still tells the rest.
     */
    private void wakeAfterWalBatch() {
        if (walStage.hasDone()) {
            sleep.wake();
        }
    }

    private boolean nothingHandedOver() {
        return !channels.handedOver() && !walStage.hasDone() && !draining;
    }
}

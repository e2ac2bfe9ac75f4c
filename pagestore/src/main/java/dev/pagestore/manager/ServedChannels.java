package dev.pagestore.manager;

import dev.pagestore.ipc.control.LogLimiter;
import dev.pagestore.nvme.QueuePair;
import dev.pagestore.status.StatusRegionDescriptor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The channels one reactor serves: new ones and detaches handed over by the control thread, channels that stop being
 * served (their worker left, or broke its ring), and their reclaiming once their work in progress has ended.
 *
 * <p>{@link #add} and {@link #detach} from any thread; everything else on the reactor thread.
 */
final class ServedChannels {
    private static final Logger LOG = LoggerFactory.getLogger(ServedChannels.class);

    private final int reactor;
    private final StatusRegion status;
    /**
     * Ends a session on the control plane (any thread): a channel this reactor no longer serves must not leave its
     * worker waiting for deadlines, nor keep counting toward the attach limits.
     */
    private final BiConsumer<ChannelSession, String> endSession;
    /** Where the open batch of a channel no longer served goes back. */
    private final OpPool pool;
    private final ConcurrentLinkedQueue<ChannelSession> added = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<ChannelSession> detached = new ConcurrentLinkedQueue<>();
    private final List<ChannelSession> sessions = new ArrayList<>();
    /** One log line per second at most for each kind of event a worker causes at will. */
    private final LogLimiter channelFaultLog = new LogLimiter(1_000_000_000L);
    /** Routine, but a worker attaching and leaving in a loop causes one per cycle: a few a second, DEBUG beyond. */
    private final LogLimiter reclaimedLog = new LogLimiter(1_000_000_000L, 5);

    ServedChannels(int reactor, StatusRegion status, BiConsumer<ChannelSession, String> endSession, OpPool pool) {
        this.reactor = reactor;
        this.pool = pool;
        this.status = status;
        this.endSession = endSession;
    }

    /** Any thread: serve {@code session} from the reactor's next pass. */
    void add(ChannelSession session) {
        added.add(session);
    }

    /** Any thread: the worker of {@code session} is gone. */
    void detach(ChannelSession session) {
        detached.add(session);
    }

    /** Whether the control thread handed over anything not taken yet. */
    boolean handedOver() {
        return !added.isEmpty() || !detached.isEmpty();
    }

    /**
     * Takes what the control thread handed over. A new channel's buffer slab is registered with the reactor's queue
     * pair: the kernel then pins its pages once, not on every read into them.
     */
    int takeHandedOver(QueuePair device) {
        int work = 0;
        ChannelSession session;
        while ((session = added.poll()) != null) {
            sessions.add(session);
            try {
                session.bufferHandle = device.attachBuffer(session.channel.slab());
            } catch (RuntimeException e) {
                LOG.warn("{}: registering its buffers failed, reads into them pin pages per read: {}", session,
                        e.toString());
            }
            status.setReactor(reactor, StatusRegionDescriptor.CHANNELS, sessions.size());
            work++;
        }
        while ((session = detached.poll()) != null) {
            stopServing(session);
            work++;
        }
        return work;
    }

    int size() {
        return sessions.size();
    }

    ChannelSession get(int i) {
        return sessions.get(i);
    }

    /**
     * Serving {@code session} failed: the worker broke its ring (a sequence moved backwards or past capacity), or
     * touching its memory faulted ({@link InternalError} is how the JVM reports a fault in mapped memory), or a
     * defect here. It costs that channel only: it is no longer served, its work in progress ends normally, its channel
     * is reclaimed, and its worker sees its own deadlines expire. Errors that say the JVM itself is failing (out of
     * memory, stack overflow) are not a channel's doing and stop the reactor.
     */
    void fault(ChannelSession session, Throwable e) {
        if (e instanceof VirtualMachineError && !(e instanceof InternalError)) {
            throw (VirtualMachineError) e;
        }
        status.addReactor(reactor, StatusRegionDescriptor.CHANNEL_FAULTS, 1);
        if (channelFaultLog.allow(System.nanoTime())) {
            LOG.warn("{} is no longer served: {} ({} similar events not logged)", session, e,
                    channelFaultLog.suppressedSinceLast());
        }
        boolean wasServed = !session.detaching;
        stopServing(session);
        if (wasServed) {
            endSession.accept(session, "reactor " + reactor + " stopped serving its channel: " + e);
        }
    }

    /** Posts each served channel's queued completions, one publish per channel; returns how many. */
    int flushCompletions() {
        int work = 0;
        for (int i = 0; i < sessions.size(); i++) {
            ChannelSession session = sessions.get(i);
            try {
                work += session.flushCompletions();
            } catch (Throwable e) {
                fault(session, e);
            }
        }
        return work;
    }

    boolean allCompletionsPosted() {
        for (int i = 0; i < sessions.size(); i++) {
            ChannelSession session = sessions.get(i);
            if (session.pendingCompletions() > 0 && !session.detaching) {
                return false;
            }
        }
        return true;
    }

    /**
     * Closes the channels no longer served whose work has ended; {@code sleep} forgets them first (their memory
     * goes). Returns how many.
     */
    int reclaim(ReactorSleep sleep, QueuePair device) {
        int work = 0;
        for (int i = sessions.size() - 1; i >= 0; i--) {
            ChannelSession session = sessions.get(i);
            if (session.detaching && session.inProgressOps == 0) {
                sleep.forget(session);
                if (session.bufferHandle >= 0) {
                    try {
                        device.detachBuffer(session.bufferHandle);
                    } catch (RuntimeException e) {
                        LOG.warn("{}: unregistering its buffers failed: {}", session, e.toString());
                    }
                    session.bufferHandle = -1;
                }
                sessions.remove(i);
                close(session);
                status.setReactor(reactor, StatusRegionDescriptor.CHANNELS, sessions.size());
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

    /** The reactor is ending: every channel it still has is closed. */
    void closeAll() {
        for (ChannelSession session : sessions) {
            close(session);
        }
        sessions.clear();
    }

    private void stopServing(ChannelSession session) {
        if (session.detaching) {
            return;
        }
        session.detaching = true;
        session.detachedAtNanos = System.nanoTime();
        if (session.openBatch != null) {
            Op batch = session.openBatch;
            session.openBatch = null;
            pool.release(batch);
        }
    }

    private static void close(ChannelSession session) {
        try {
            session.channel.close();
        } catch (Exception e) {
            LOG.warn("closing {}: {}", session, e.toString());
        }
    }
}

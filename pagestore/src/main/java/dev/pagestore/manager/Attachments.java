package dev.pagestore.manager;

import dev.pagestore.ipc.channel.Channel;
import dev.pagestore.ipc.channel.ChannelParameters;
import dev.pagestore.ipc.control.AttachDecision;
import dev.pagestore.ipc.control.AttachGrant;
import dev.pagestore.ipc.control.AttachHandler;
import dev.pagestore.ipc.control.AttachRequest;
import dev.pagestore.ipc.control.ControlServer;
import dev.pagestore.ipc.control.ControlSession;
import dev.pagestore.ipc.control.DetachReason;
import dev.pagestore.ipc.control.ObserveDecision;
import dev.pagestore.ipc.control.ObserveGrant;
import dev.pagestore.ipc.control.ObserveRequest;
import dev.pagestore.ipc.linux.ProcessIdentity;
import dev.pagestore.ipc.control.Refusal;
import dev.pagestore.ipc.control.RefusalCode;
import dev.pagestore.ipc.linux.Errno;
import dev.pagestore.ipc.linux.ErrnoException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The manager's side of attach and detach, on the control thread: checks what a worker asks for (refused, never
 * adjusted: a worker must know the page size and depth it really got), makes its sealed channel, hands it to a reactor
 * (round robin), and takes it back when the worker leaves. The reactor that serves a channel ends its session through
 * {@link #endSession} when it stops serving it.
 *
 * <p>Thread safety: the handler's calls come from the control thread; {@link #endSession} and the counts from any.
 */
final class Attachments implements AttachHandler {
    private static final Logger LOG = LoggerFactory.getLogger(Attachments.class);
    /** The smallest ring a worker may ask for. */
    private static final int RING_CAPACITY_MIN = 16;

    private final Path directory;
    private final ManagerConfig config;
    private final List<Reactor> reactors;
    /** The status region's descriptor (a sealed memfd), granted to workers and observers. */
    private final IntSupplier statusDescriptor;
    /** Whether the manager still takes attaches (false once it stops). */
    private final BooleanSupplier accepting;
    private final WriteGate writes;
    private final Map<Long, ChannelSession> sessions = new ConcurrentHashMap<>();
    private volatile ControlServer control;
    private int nextReactor;

    Attachments(Path directory, ManagerConfig config, List<Reactor> reactors, IntSupplier statusDescriptor,
            BooleanSupplier accepting, WriteGate writes) {
        this.writes = writes;
        this.directory = directory;
        this.config = config;
        this.reactors = reactors;
        this.statusDescriptor = statusDescriptor;
        this.accepting = accepting;
    }

    /** The server this handler serves, once it listens: sessions end through it. */
    void servedBy(ControlServer server) {
        this.control = server;
    }

    /** A reactor no longer serves {@code session}'s channel: end its attachment, telling the worker why. */
    void endSession(ChannelSession session, String reason) {
        ControlServer server = control;
        if (server != null) {
            server.endSession(session.control.attachId(), reason);
        }
    }

    int attachedWorkers() {
        return sessions.size();
    }

    /** The channels attached now (a live view: any thread may iterate it). */
    Collection<ChannelSession> sessions() {
        return sessions.values();
    }

    /** The attached workers as the kernel identifies them, never as they describe themselves. */
    List<ProcessIdentity> attachedWorkerProcesses() {
        return sessions.values().stream().map(session -> session.control.worker()).toList();
    }

    @Override
    public AttachDecision onAttach(ControlSession session, AttachRequest request) throws Exception {
        if (!accepting.getAsBoolean()) {
            return new Refusal(RefusalCode.SHUTTING_DOWN, "the manager of " + directory + " is stopping");
        }
        int pageSize = request.pageSizeBytes() == AttachRequest.MANAGER_CHOOSES ? config.pageSizeBytes()
                : request.pageSizeBytes();
        if (pageSize != config.pageSizeBytes()) {
            return new Refusal(RefusalCode.BAD_PAGE_SIZE, "pageSizeBytes=" + request.pageSizeBytes()
                    + " but the store at " + directory + " has pageSizeBytes=" + config.pageSizeBytes()
                    + " (0 asks for the store's)");
        }
        int capacity = request.ringCapacity() == AttachRequest.MANAGER_CHOOSES ? config.ringCapacity()
                : request.ringCapacity();
        if (capacity < RING_CAPACITY_MIN || capacity > config.ringCapacity() || Integer.bitCount(capacity) != 1) {
            return new Refusal(RefusalCode.BAD_RING_CAPACITY, "ringCapacity=" + request.ringCapacity()
                    + " is not a power of two in [" + RING_CAPACITY_MIN + ", " + config.ringCapacity()
                    + "] (this manager's ringCapacity; 0 asks for it)");
        }
        ChannelParameters parameters = new ChannelParameters(pageSize, capacity, capacity, capacity);
        Channel channel;
        try {
            channel = Channel.createSealed("pagestore-channel-" + session.attachId(), parameters);
        } catch (ErrnoException e) {
            boolean shortage = e.errno() == Errno.ENOMEM || e.errno() == Errno.ENOSPC;
            // The control server logs the refusal, with this reason, within its limit: a worker can ask again and
            // again.
            LOG.debug("refusing {}: its channel could not be created: {}", session, e.getMessage());
            return Refusal.truncating(shortage ? RefusalCode.NO_SHARED_MEMORY : RefusalCode.INTERNAL_ERROR,
                    "the manager could not create a channel of " + parameters + ": " + e.getMessage());
        }
        ChannelSession channelSession;
        Reactor reactor;
        int channelDescriptor;
        try {
            channelDescriptor = channel.descriptor();
            channelSession = new ChannelSession(channel, session, request.clientName(), writes);
            reactor = reactors.get(nextReactor++ % reactors.size());
            channelSession.reactor = reactor;
        } catch (RuntimeException | Error e) {
            channel.close();  // frees its lifeline and its memory; the attach is refused by the caller
            throw e;
        }
        sessions.put(session.attachId(), channelSession);
        reactor.add(channelSession);
        // The control server logs one line per attach (within its limit: a worker can attach in a loop).
        LOG.debug("attached {} to reactor {}", channelSession, reactor.index());
        return new AttachGrant(pageSize, capacity, channelDescriptor, statusDescriptor.getAsInt());
    }

    @Override
    public void onDetach(ControlSession session, DetachReason reason, String detail) {
        ChannelSession channelSession = sessions.remove(session.attachId());
        if (channelSession == null) {
            return;
        }
        LOG.debug("{} left: {} ({})", channelSession, reason, detail);
        channelSession.reactor.detach(channelSession);
    }

    @Override
    public ObserveDecision onObserve(ProcessIdentity observer, ObserveRequest request) {
        if (!accepting.getAsBoolean()) {
            return new Refusal(RefusalCode.SHUTTING_DOWN, "the manager of " + directory + " is stopping");
        }
        return new ObserveGrant(statusDescriptor.getAsInt());
    }
}

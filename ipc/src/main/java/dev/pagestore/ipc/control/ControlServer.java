package dev.pagestore.ipc.control;

import dev.pagestore.ipc.linux.ErrnoException;
import dev.pagestore.ipc.linux.EventFd;
import dev.pagestore.ipc.linux.LibcFiles;
import dev.pagestore.ipc.linux.LibcProcesses;
import dev.pagestore.ipc.linux.PeerCredentials;
import dev.pagestore.ipc.linux.PollSet;
import dev.pagestore.ipc.linux.UnixSocket;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The manager's side of the control plane: a Unix domain socket where workers attach and detach and tools observe,
 * served by one control thread in a {@code poll(2)} loop (woken by an {@link EventFd} to close).
 *
 * <h2>Why a socket, and why no heartbeats</h2>
 * The open connection is the liveness signal. When a worker process dies, however it dies ({@code kill -9}
 * included), the kernel closes its descriptors, and the manager's end of the socket becomes readable with end of
 * stream (or a reset when unread data was pending). {@code poll} wakes at once, so the handler hears of the death
 * within milliseconds, with no heartbeat period to wait out and no false alarm from a worker paused by GC.
 *
 * <h2>Why FFM sockets rather than the JDK's</h2>
 * The grant is a pair of memfd descriptors ({@code SCM_RIGHTS}), and the worker's identity must come from the kernel
 * ({@code SO_PEERCRED}), not from what it claims; the JDK's Unix socket channels can do neither.
 *
 * <h2>Who may connect</h2>
 * The socket file is owner-only ({@link ControlSocketFile}); beyond that, at accept the peer's effective uid must be
 * this process's or root's, or the connection is closed without a word; and the kernel must be able to name the peer
 * in this pid namespace ({@code SO_PEERCRED} pid 0 otherwise), or it is refused with
 * {@link RefusalCode#UNIDENTIFIED_PEER} and a reason. The session's worker identity is the kernel's pid and its start
 * time from {@code /proc/PID/stat}, read with nothing else of the peer (see {@link ProcessIdentity}: a peer's command
 * line is its own memory, and reading it on this thread could stall every other worker); the pid in ATTACH is only
 * logged when it differs.
 *
 * <h2>Fairness</h2>
 * See {@link ControlServerOptions}: a per-process cap on connections that have not sent their first frame, a short
 * handshake deadline, and eviction of the oldest such connection when the global cap is reached, so a flood of idle or
 * dribbling connections from one process cannot keep another worker from attaching.
 *
 * <h2>Robustness</h2>
 * Every frame is validated ({@link ControlCodec}); a peer that sends garbage, an oversized length, an unknown type, a
 * truncated frame, a message out of order or file descriptors gets a best-effort {@link Refusal} and has its
 * connection closed, and nothing else changes. Anything thrown while serving one connection, {@link Error}s
 * included, closes that connection only (and a handler failure refuses that attach). If the control thread dies
 * anyway, the server closes everything and tells the {@code onFailure} callback given to {@link #start}, so that its
 * owner can stop instead of staying half alive.
 *
 * <h2>The log</h2>
 * Anything a peer can make happen at will, it can make happen thousands of times a second. Each such kind of line has
 * its own {@link LogLimiter}: at most one a second, saying how many like it were left out (bad frames, refusals, false
 * pid claims, evictions, handshake timeouts, refused peers, internal errors); an attach and a session's end are one
 * line each, at most five a second, and DEBUG beyond. The events are counted ({@link #protocolErrorCount},
 * {@link #refusedPeerCount}, {@link #refusalCount}, {@link #attachCount}) for the status region.
 *
 * <h2>What it does not do</h2>
 * It does not know what a channel is: the {@link AttachHandler} decides each attach and is told of each end. It does
 * not decide which manager owns a directory: the caller holds the directory's {@code flock}
 * ({@link dev.pagestore.ipc.linux.ExclusiveLock}) before starting it.
 *
 * <p>Thread safety: {@link #close()}, {@link #endSession} and the accessors may be called from any thread; the
 * handler is called on the control thread only.
 */
public final class ControlServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ControlServer.class);
    private static final int BACKLOG = 128;
    private static final long JOIN_TIMEOUT_MILLIS = 10_000;
    private static final long ACCEPT_PAUSE_MILLIS = 100;
    /** Accepts per loop pass, so that a flood of connects cannot starve the connections already open. */
    private static final int ACCEPTS_PER_PASS = 64;
    private static final long LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** Routine lines (an attach, a session's end) per second: a burst of workers starting, never a loop's rate. */
    private static final int ROUTINE_LINES_PER_INTERVAL = 5;

    private final ControlServerOptions options;
    private final AttachHandler handler;
    private final Consumer<Throwable> onFailure;
    private final ProcessIdentity manager;
    private final int managerUid;
    private final ControlSocketFile socketFile;
    private final EventFd wakeup;
    private final Thread thread;
    private final AtomicLong protocolErrors = new AtomicLong();
    private final AtomicLong sessionsEnded = new AtomicLong();
    private final AtomicLong refusedPeers = new AtomicLong();
    private final AtomicLong evictedConnections = new AtomicLong();
    private final AtomicLong refusals = new AtomicLong();
    private final AtomicLong attaches = new AtomicLong();
    private final AtomicLong falsePidClaims = new AtomicLong();
    /** Sessions being decided by the handler or attached, by attach id (written by the control thread only). */
    private final Map<Long, ControlSession> sessions = new ConcurrentHashMap<>();
    /** Sessions whose end {@link #endSession} asked for, each at most once (so at most one per session). */
    private final Queue<ControlSession> endRequests = new ConcurrentLinkedQueue<>();
    /** Attached sessions per kernel pid (control thread only). */
    private final Map<Integer, Integer> attachedByPid = new HashMap<>();
    private volatile boolean closing;
    private volatile int attachedCount;  // written by the control thread only; volatile for the accessor
    private volatile int pendingCount;   // same
    private volatile int observerCount;  // same

    // Control thread only.
    private final MemorySegment scratch = Arena.ofAuto().allocate(ControlMessageDescriptor.FRAME_LENGTH_MAX, 8);
    private final PollSet pollSet = new PollSet(Arena.ofAuto(), 64);
    private final LinkedHashSet<ServerConnection> connections = new LinkedHashSet<>();
    /** Connections without a first frame, oldest first (deadlines are in this order too). */
    private final LinkedHashSet<ServerConnection> pending = new LinkedHashSet<>();
    private final Map<Integer, Integer> pendingByPid = new HashMap<>();
    /** Observer connections, oldest first. */
    private final LinkedHashSet<ServerConnection> observers = new LinkedHashSet<>();
    /** The connection of each session in {@link #sessions}. */
    private final Map<Long, ServerConnection> connectionsByAttachId = new HashMap<>();
    // One limiter per kind of line a peer can cause at will: a flood of one kind hides no other.
    private final LogLimiter refusedPeerLog = new LogLimiter(LOG_INTERVAL_NANOS);
    private final LogLimiter evictionLog = new LogLimiter(LOG_INTERVAL_NANOS);
    private final LogLimiter handshakeTimeoutLog = new LogLimiter(LOG_INTERVAL_NANOS);
    private final LogLimiter protocolErrorLog = new LogLimiter(LOG_INTERVAL_NANOS);
    private final LogLimiter refusalLog = new LogLimiter(LOG_INTERVAL_NANOS);
    private final LogLimiter falseClaimLog = new LogLimiter(LOG_INTERVAL_NANOS);
    private final LogLimiter observerLog = new LogLimiter(LOG_INTERVAL_NANOS);
    private final LogLimiter acceptFailureLog = new LogLimiter(LOG_INTERVAL_NANOS);
    private final LogLimiter internalErrorLog = new LogLimiter(LOG_INTERVAL_NANOS);
    private final LogLimiter attachLog = new LogLimiter(LOG_INTERVAL_NANOS, ROUTINE_LINES_PER_INTERVAL);
    private final LogLimiter endLog = new LogLimiter(LOG_INTERVAL_NANOS, ROUTINE_LINES_PER_INTERVAL);
    private long nextAttachId = 1;
    private long nextConnectionNumber = 1;
    private boolean acceptPaused;
    private long acceptPausedUntilNanos;

    private ControlServer(ControlServerOptions options, AttachHandler handler, Consumer<Throwable> onFailure,
                          ControlSocketFile socketFile, EventFd wakeup) {
        this.options = options;
        this.handler = handler;
        this.onFailure = onFailure;
        this.manager = ProcessIdentity.current();
        this.managerUid = LibcProcesses.geteuid();
        this.socketFile = socketFile;
        this.wakeup = wakeup;
        this.thread = new Thread(this::run, "pagestore-control-" + socketFile.path().getFileName());
        this.thread.setDaemon(true);
    }

    /**
     * Binds the socket (mode 0600, replacing a stale file; see {@code ControlSocketFile}) and starts the control
     * thread. The caller must already hold the data directory's exclusive lock.
     *
     * @param onFailure told (on the control thread, once) if the control thread dies of something it could not
     *        confine to one connection; the server has closed by then. Not told for {@link #close()}.
     */
    public static ControlServer start(ControlServerOptions options, AttachHandler handler,
                                      Consumer<Throwable> onFailure) throws IOException {
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(handler, "handler");
        Objects.requireNonNull(onFailure, "onFailure");
        ControlSocketFile socketFile = ControlSocketFile.bind(options.socketPath(), BACKLOG);
        boolean success = false;
        EventFd wakeup = null;
        try {
            wakeup = EventFd.create();
            ControlServer server = new ControlServer(options, handler, onFailure, socketFile, wakeup);
            server.thread.start();
            success = true;
            LOG.info("control server of manager {} listening on {}", server.manager, socketFile.path());
            return server;
        } finally {
            if (!success) {
                if (wakeup != null) {
                    wakeup.close();
                }
                socketFile.close();
            }
        }
    }

    /** As {@link #start(ControlServerOptions, AttachHandler, Consumer)}, logging a failure of the control thread. */
    public static ControlServer start(ControlServerOptions options, AttachHandler handler) throws IOException {
        return start(options, handler, cause -> LOG.error("control server failed", cause));
    }

    /** The socket file workers connect to (absolute). */
    public Path socketPath() {
        return socketFile.path();
    }

    /** This manager process. */
    public ProcessIdentity manager() {
        return manager;
    }

    /** Workers attached now. */
    public int attachedCount() {
        return attachedCount;
    }

    /** A snapshot of the attached sessions (kernel identity, request, grant), for diagnostics. */
    public List<ControlSession> attachedSessions() {
        return sessions.values().stream().filter(session -> session.grant() != null).toList();
    }

    /** Connections open that have not sent their first frame (yet). */
    public int pendingConnectionCount() {
        return pendingCount;
    }

    /** Observer connections open. */
    public int observerCount() {
        return observerCount;
    }

    /** Connections closed for protocol errors (including handshake timeouts and evictions) since start. */
    public long protocolErrorCount() {
        return protocolErrors.get();
    }

    /**
     * Connections closed at accept because of who their peer is: a uid neither this process's nor root's, or a process
     * the kernel cannot name in this pid namespace ({@code SO_PEERCRED} pid 0).
     */
    public long refusedPeerCount() {
        return refusedPeers.get();
    }

    /** ATTACH and OBSERVE requests refused since start (by the handler, or for too many workers, or at shutdown). */
    public long refusalCount() {
        return refusals.get();
    }

    /** Sessions granted since start. */
    public long attachCount() {
        return attaches.get();
    }

    /** ATTACH requests whose claimed pid was not the kernel's (the kernel's was recorded) since start. */
    public long falsePidClaimCount() {
        return falsePidClaims.get();
    }

    /**
     * Pending connections closed to make room for newer ones since start (a process's own oldest when it is at its
     * cap, else the oldest of all).
     */
    public long evictedConnectionCount() {
        return evictedConnections.get();
    }

    /** Sessions whose end was reported to the handler since start. */
    public long sessionsEndedCount() {
        return sessionsEnded.get();
    }

    /** Whether the control thread is serving. */
    public boolean isRunning() {
        return thread.isAlive() && !closing;
    }

    MemorySegment scratch() {
        return scratch;
    }

    // ------------------------------------------------------------------------------------------------------ loop

    private void run() {
        Throwable failure = null;
        try {
            ServerConnection[] polled = new ServerConnection[64];
            while (!closing) {
                endRequestedSessions();
                int timeoutMillis = pauseTimeout(expireHandshakes(System.nanoTime()));
                pollSet.clear();
                pollSet.add(wakeup.pollDescriptor(), LibcFiles.POLLIN);
                int listenerIndex = acceptPaused ? -1 : pollSet.add(socketFile.listener().pollDescriptor(),
                        LibcFiles.POLLIN);
                if (polled.length < connections.size()) {
                    polled = new ServerConnection[2 * connections.size()];
                }
                int base = pollSet.size();
                int count = 0;
                for (ServerConnection connection : connections) {
                    polled[count++] = connection;
                    pollSet.add(connection.pollDescriptor(), connection.interest());
                }
                if (pollSet.poll(timeoutMillis) == 0) {
                    continue;
                }
                if (pollSet.readyEvents(0) != 0) {
                    wakeup.drain();
                }
                for (int i = 0; i < count && !closing; i++) {
                    short events = pollSet.readyEvents(base + i);
                    if (events != 0 && polled[i].state() != ServerConnection.State.CLOSED) {
                        serve(polled[i], events);
                    }
                    polled[i] = null;
                }
                if (!closing && listenerIndex >= 0 && pollSet.readyEvents(listenerIndex) != 0) {
                    acceptAll();
                }
            }
        } catch (Throwable e) {
            failure = e;
        } finally {
            shutdown();
        }
        if (failure != null) {
            LOG.error("the control thread of {} died; the control server is closed", socketFile.path(), failure);
            try {
                onFailure.accept(failure);
            } catch (Throwable t) {
                LOG.error("the control server's failure callback failed", t);
            }
        }
    }

    /** Serves one connection; whatever it throws costs that connection only. */
    private void serve(ServerConnection connection, short events) {
        try {
            connection.onReady(events, scratch);
        } catch (Throwable e) {
            if (internalErrorLog.allow(System.nanoTime())) {
                LOG.error("internal error serving {}; closing it{}", connection,
                        internalErrorLog.leftOut("internal errors not logged"), e);
            }
            try {
                connection.close(System.nanoTime(), DetachReason.PROTOCOL_ERROR, "manager internal error: " + e);
            } catch (Throwable again) {
                LOG.error("closing {} failed too", connection, again);
            }
        }
    }

    private void acceptAll() {
        for (int i = 0; i < ACCEPTS_PER_PASS; i++) {
            UnixSocket accepted;
            try {
                accepted = socketFile.listener().accept();
            } catch (ErrnoException e) {
                // EMFILE/ENFILE (out of descriptors) and the like: the connection stays in the backlog and poll
                // would report it again at once, so stop accepting for a moment instead of spinning. Attached
                // workers keep being served.
                if (acceptFailureLog.allow(System.nanoTime())) {
                    LOG.warn("accepting a control connection failed; pausing accepts for {} ms: {}{}",
                            ACCEPT_PAUSE_MILLIS, e.getMessage(), acceptFailureLog.leftOut("failures not logged"));
                }
                acceptPausedUntilNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ACCEPT_PAUSE_MILLIS);
                acceptPaused = true;
                return;
            }
            if (accepted == null) {
                return;
            }
            try {
                admit(accepted);
            } catch (Throwable e) {
                if (internalErrorLog.allow(System.nanoTime())) {
                    LOG.error("admitting a control connection failed; closing it{}",
                            internalErrorLog.leftOut("internal errors not logged"), e);
                }
                accepted.close();
            }
        }
    }

    /** A new connection: check who it is, make room, and read its first frame if it is there already. */
    private void admit(UnixSocket socket) {
        PeerCredentials peer;
        try {
            peer = socket.peerCredentials();
        } catch (IOException e) {
            refusedPeers.incrementAndGet();
            if (refusedPeerLog.allow(System.nanoTime())) {
                LOG.warn("closing a control connection whose peer the kernel cannot name: {}{}", e.getMessage(),
                        refusedPeerLog.leftOut("refused peers not logged"));
            }
            socket.close();
            return;
        }
        if (peer.uid() != managerUid && peer.uid() != 0) {
            // Not a word to another user: it learns nothing, not even the protocol version.
            refusedPeers.incrementAndGet();
            if (refusedPeerLog.allow(System.nanoTime())) {
                LOG.warn("closing a control connection from uid {} (pid {}): only uid {} and root may connect{}",
                        peer.uid(), peer.pid(), managerUid, refusedPeerLog.leftOut("refused peers not logged"));
            }
            socket.close();
            return;
        }
        if (peer.pid() <= 0) {
            // SO_PEERCRED gives pid 0 for a process outside this pid namespace and its descendants: the manager could
            // neither name it nor count its connections and attachments per process, so it cannot serve it. A
            // worker of our own user deserves to know why.
            refusedPeers.incrementAndGet();
            if (refusedPeerLog.allow(System.nanoTime())) {
                LOG.warn("closing a control connection from a process of uid {} in a pid namespace this manager"
                        + " cannot see (SO_PEERCRED pid {}); workers must run in the manager's pid namespace or one"
                        + " below it{}", peer.uid(), peer.pid(), refusedPeerLog.leftOut("refused peers not logged"));
            }
            refuseAtAccept(socket, new Refusal(RefusalCode.UNIDENTIFIED_PEER, "the manager cannot name your process:"
                    + " it runs in a pid namespace that the manager's pid namespace cannot see (SO_PEERCRED pid "
                    + peer.pid() + "); run workers in the manager's pid namespace or one below it"));
            return;
        }
        int fromPid = pendingByPid.getOrDefault(peer.pid(), 0);
        if (fromPid >= options.maxPendingPerProcess()) {
            // The process's own oldest idle connection makes room: another process's newcomer never pays for it.
            ServerConnection oldestOfPid = null;
            for (ServerConnection candidate : pending) {
                if (candidate.peer().pid() == peer.pid()) {
                    oldestOfPid = candidate;
                    break;
                }
            }
            assert oldestOfPid != null : "pid " + peer.pid() + " counted " + fromPid + " pending, none found";
            evict(oldestOfPid, "pid " + peer.pid() + " holds " + fromPid + " connections that have not attached"
                    + " (maxPendingPerProcess); its oldest makes room");
        } else if (pending.size() >= options.maxPendingConnections()) {
            evict(pending.iterator().next(), pending.size() + " connections have not attached"
                    + " (maxPendingConnections); the oldest makes room");
        }
        long now = System.nanoTime();
        ServerConnection connection = new ServerConnection(this, socket, peer, nextConnectionNumber++, now,
                System.currentTimeMillis(), now + options.handshakeTimeout().toNanos());
        connections.add(connection);
        pending.add(connection);
        pendingByPid.merge(peer.pid(), 1, Integer::sum);
        pendingCount = pending.size();
        serve(connection, LibcFiles.POLLIN);  // a worker sends ATTACH right after connecting: it is usually here
    }

    private void evict(ServerConnection connection, String why) {
        evictedConnections.incrementAndGet();
        protocolErrors.incrementAndGet();
        if (evictionLog.allow(System.nanoTime())) {
            LOG.warn("evicting {}: {}{}", connection, why, evictionLog.leftOut("evictions not logged"));
        }
        connection.closeUnanswered("evicted by a newer connection");
    }

    /**
     * Best effort, one non-blocking send of {@code refusal}, then the close of a connection that was never admitted.
     * The peer may close first, or not read: the close is what matters.
     */
    private void refuseAtAccept(UnixSocket socket, Refusal refusal) {
        try {
            sendOnce(socket, ControlCodec.encode(refusal));
        } catch (IOException | RuntimeException ignored) {
            // the peer is gone or not reading
        }
        socket.close();
    }

    /** Re-enables accepting after a pause; returns the poll timeout, shortened to the end of a pause. */
    private int pauseTimeout(int timeoutMillis) {
        if (!acceptPaused) {
            return timeoutMillis;
        }
        long left = acceptPausedUntilNanos - System.nanoTime();
        if (left <= 0) {
            acceptPaused = false;
            return timeoutMillis;
        }
        int pauseMillis = (int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(left) + 1);
        return timeoutMillis < 0 ? pauseMillis : Math.min(timeoutMillis, pauseMillis);
    }

    /**
     * Closes connections past their handshake deadline (oldest first: deadlines are in accept order); returns the
     * poll timeout until the next deadline, or -1 for none. A first frame that arrived in time is served first: the
     * deadline is for a peer that is slow to send, not for this thread being slow to read: a control thread starved
     * of CPU must not turn away as silent a worker whose ATTACH waits in its socket.
     */
    private int expireHandshakes(long now) {
        while (!pending.isEmpty()) {
            ServerConnection oldest = pending.iterator().next();
            long left = oldest.handshakeDeadlineNanos() - now;
            if (left > 0) {
                return (int) Math.min(Integer.MAX_VALUE, Math.max(1, TimeUnit.NANOSECONDS.toMillis(left) + 1));
            }
            serve(oldest, LibcFiles.POLLIN);  // non-blocking: reads what is there, if anything
            if (pending.contains(oldest)) {
                expire(oldest, now);
            }
        }
        return -1;
    }

    private void expire(ServerConnection connection, long now) {
        protocolErrors.incrementAndGet();
        if (handshakeTimeoutLog.allow(now)) {
            LOG.warn("closing {}: no ATTACH or OBSERVE within {}{}", connection, options.handshakeTimeout(),
                    handshakeTimeoutLog.leftOut("timeouts not logged"));
        }
        connection.closeUnanswered("no ATTACH or OBSERVE within " + options.handshakeTimeout());
    }

    // ---------------------------------------------------------------------------------------- called by connections

    /** {@code connection} sent its first frame: it is no longer pending. */
    private void leavePending(ServerConnection connection) {
        if (pending.remove(connection)) {
            pendingByPid.computeIfPresent(connection.peer().pid(), (pid, n) -> n == 1 ? null : n - 1);
            pendingCount = pending.size();
        }
    }

    /** A well-formed ATTACH arrived on {@code connection}: decide it. */
    void attach(ServerConnection connection, AttachRequest request) {
        leavePending(connection);
        if (closing) {
            refuse(connection, new Refusal(RefusalCode.SHUTTING_DOWN, "the manager is shutting down"));
            return;
        }
        if (attachedCount >= options.maxWorkers()) {
            refuse(connection, new Refusal(RefusalCode.TOO_MANY_WORKERS, "the manager serves " + attachedCount
                    + " workers, its maximum (maxWorkers=" + options.maxWorkers() + ")"));
            return;
        }
        PeerCredentials peer = connection.peer();
        int ofThisProcess = attachedByPid.getOrDefault(peer.pid(), 0);
        if (ofThisProcess >= options.maxWorkersPerProcess()) {
            refuse(connection, new Refusal(RefusalCode.TOO_MANY_WORKERS, "pid " + peer.pid() + " already holds "
                    + ofThisProcess + " attachments, the most one process may (maxWorkersPerProcess="
                    + options.maxWorkersPerProcess() + ")"));
            return;
        }
        ProcessIdentity worker = ProcessIdentity.ofPeer(peer.pid(), connection.connectedAtMillis());
        if (request.claimedWorker().pid() != peer.pid()) {
            falsePidClaims.incrementAndGet();
            if (falseClaimLog.allow(System.nanoTime())) {
                LOG.warn("ATTACH '{}' claims pid {}, but the kernel says pid {} connected; recording the kernel's{}",
                        ControlMessageDescriptor.printable(request.clientName()), request.claimedWorker().pid(),
                        peer.pid(), falseClaimLog.leftOut("false claims not logged"));
            }
        }
        ControlSession session = new ControlSession(nextAttachId++, request, peer, worker,
                connection.connectedAtNanos());
        // Known from here on, so that endSession can reach a session that a reactor serves before the grant is sent.
        sessions.put(session.attachId(), session);
        connectionsByAttachId.put(session.attachId(), connection);
        AttachDecision decision;
        try {
            decision = handler.onAttach(session, request);
            if (decision == null) {
                throw new IllegalStateException("AttachHandler.onAttach returned null");
            }
        } catch (Throwable e) {
            if (internalErrorLog.allow(System.nanoTime())) {
                LOG.error("attach handler failed for {}; refusing it{}", session,
                        internalErrorLog.leftOut("internal errors not logged"), e);
            }
            decision = Refusal.truncating(RefusalCode.INTERNAL_ERROR,
                    "the manager failed to prepare a channel: " + e);
        }
        switch (decision) {
            case Refusal refusal -> {
                sessions.remove(session.attachId());
                connectionsByAttachId.remove(session.attachId());
                refuse(connection, session, refusal);
            }
            case AttachGrant grant -> {
                session.granted(grant);
                attachedByPid.merge(peer.pid(), 1, Integer::sum);
                attachedCount++;
                attaches.incrementAndGet();
                long now = System.nanoTime();
                if (attachLog.allow(now)) {
                    LOG.info("attached {}: page size {}, ring capacity {}{}", session, grant.pageSizeBytes(),
                            grant.ringCapacity(), attachLog.leftOut("attaches logged at debug level only"));
                } else {
                    LOG.debug("attached {}: page size {}, ring capacity {}", session, grant.pageSizeBytes(),
                            grant.ringCapacity());
                }
                connection.attached(session, new AttachedReply(session.attachId(), manager, grant.pageSizeBytes(),
                        grant.ringCapacity()), grant.channelDescriptor(), grant.statusDescriptor());
            }
        }
    }

    /** Refuses the first frame of {@code connection} (counted, and logged within the limit), then closes it. */
    private void refuse(ServerConnection connection, Refusal refusal) {
        refuse(connection, connection, refusal);
    }

    /** As {@link #refuse(ServerConnection, Refusal)}, naming {@code subject} (the would-be session) in the log. */
    private void refuse(ServerConnection connection, Object subject, Refusal refusal) {
        refusals.incrementAndGet();
        if (refusalLog.allow(System.nanoTime())) {
            LOG.info("refused {}: {} {}{}", subject, refusal.code(), refusal.message(),
                    refusalLog.leftOut("refusals not logged"));
        }
        connection.refuse(refusal);
    }

    /** A well-formed OBSERVE arrived on {@code connection}: decide it. */
    void observe(ServerConnection connection, ObserveRequest request) {
        leavePending(connection);
        if (closing) {
            refuse(connection, new Refusal(RefusalCode.SHUTTING_DOWN, "the manager is shutting down"));
            return;
        }
        ProcessIdentity observer = ProcessIdentity.ofPeer(connection.peer().pid(), connection.connectedAtMillis());
        ObserveDecision decision;
        try {
            decision = handler.onObserve(observer, request);
            if (decision == null) {
                throw new IllegalStateException("AttachHandler.onObserve returned null");
            }
        } catch (Throwable e) {
            if (internalErrorLog.allow(System.nanoTime())) {
                LOG.error("observe handler failed for {}; refusing it{}", connection,
                        internalErrorLog.leftOut("internal errors not logged"), e);
            }
            decision = Refusal.truncating(RefusalCode.INTERNAL_ERROR, "the manager failed to answer OBSERVE: " + e);
        }
        switch (decision) {
            case Refusal refusal -> refuse(connection, refusal);
            case ObserveGrant grant -> {
                if (observers.size() >= options.maxObservers()) {
                    ServerConnection oldest = observers.iterator().next();
                    if (observerLog.allow(System.nanoTime())) {
                        LOG.info("closing the oldest observer {} to make room (maxObservers={}); its tool keeps its"
                                + " mapping{}", oldest, options.maxObservers(),
                                observerLog.leftOut("observers closed, not logged"));
                    }
                    oldest.closeUnanswered("replaced by a newer observer");
                }
                observers.add(connection);
                observerCount = observers.size();
                LOG.debug("observer '{}' of {}", ControlMessageDescriptor.printable(request.clientName()), observer);
                connection.observed(new ObservedReply(manager), grant.statusDescriptor());
            }
        }
    }

    /** {@code connection} closed. */
    void closed(ServerConnection connection) {
        connections.remove(connection);
        leavePending(connection);
        if (observers.remove(connection)) {
            observerCount = observers.size();
        }
        ControlSession session = connection.session();
        if (session != null && sessions.remove(session.attachId()) != null) {
            connectionsByAttachId.remove(session.attachId());
            attachedByPid.computeIfPresent(connection.peer().pid(), (pid, n) -> n == 1 ? null : n - 1);
            attachedCount--;
        }
        assert attachedCount >= 0 && pendingCount >= 0 : "attached " + attachedCount + ", pending " + pendingCount;
    }

    /** An attached session ended: tell the handler, exactly once per session (the connection guarantees it). */
    void detached(ControlSession session, DetachReason reason, String detail) {
        sessionsEnded.incrementAndGet();
        if (endLog.allow(System.nanoTime())) {
            String left = endLog.leftOut("ends logged at debug level only");
            if (reason == DetachReason.ORDERLY) {
                LOG.info("{} detached{}", session, left);
            } else {
                LOG.warn("{} ended: {} ({}){}", session, reason, detail, left);
            }
        } else {
            LOG.debug("{} ended: {} ({})", session, reason, detail);
        }
        try {
            handler.onDetach(session, reason, detail);
        } catch (Throwable e) {
            if (internalErrorLog.allow(System.nanoTime())) {
                LOG.error("detach handler failed for {} ({}){}", session, reason,
                        internalErrorLog.leftOut("internal errors not logged"), e);
            }
        }
    }

    void countProtocolError(ServerConnection connection, ControlProtocolException e) {
        protocolErrors.incrementAndGet();
        if (protocolErrorLog.allow(System.nanoTime())) {
            LOG.warn("closing {}: {}{}", connection, e.getMessage(),
                    protocolErrorLog.leftOut("protocol errors not logged"));
        }
    }

    // ------------------------------------------------------------------------------------------ ended by the manager

    /**
     * Ends the attached session {@code attachId} from the manager's side; any thread may call it. The control thread,
     * which owns every connection (woken through its eventfd), sends the worker a REFUSED with code
     * {@link RefusalCode#SESSION_ENDED} and {@code reason}, closes its connection, and tells the handler
     * {@link AttachHandler#onDetach} with {@link DetachReason#ENDED_BY_MANAGER} and {@code reason}, exactly once per
     * session as for any end. The worker's {@link ControlClient} reports it to its listener at once
     * ({@link ManagerGoneEvent.Cause#SESSION_ENDED}, with the reason), so it fails its pending calls instead of
     * waiting on their deadlines, and the session no longer counts toward {@code maxWorkers} or
     * {@code maxWorkersPerProcess}.
     *
     * <p>For a session the manager no longer serves, for example because a reactor gave up its channel after the
     * worker broke its ring. A session still being granted (the handler's {@code onAttach} has not returned) is ended
     * right after its grant is sent.
     *
     * @param reason why, for the worker and the log; cut to fit the frame
     * @return true when this call asked for the end; false when the session is unknown, its end was asked for
     *         already, or the server is closing. Whichever end comes first (this one, a DETACH, the worker's death) is
     *         the one the handler is told of, once.
     */
    public boolean endSession(long attachId, String reason) {
        Objects.requireNonNull(reason, "reason");
        ControlSession session = sessions.get(attachId);
        if (session == null || closing || !session.requestEnd(reason)) {
            return false;
        }
        endRequests.add(session);
        wakeup.signal();
        return true;
    }

    /** Control thread: ends every session whose end {@link #endSession} asked for. */
    private void endRequestedSessions() {
        ControlSession session;
        while ((session = endRequests.poll()) != null) {
            ServerConnection connection = connectionsByAttachId.get(session.attachId());
            if (connection != null) {
                connection.endByManager(session.endReason());
            }
        }
    }

    /** One non-blocking send of {@code frame} (a best-effort refusal before a close); no descriptors. */
    void sendOnce(UnixSocket socket, ByteBuffer frame) throws IOException {
        int length = frame.remaining();
        byte[] bytes = new byte[length];
        frame.get(bytes);
        MemorySegment.copy(bytes, 0, scratch, ValueLayout.JAVA_BYTE, 0, length);
        socket.send(scratch, length, false);
    }

    private void shutdown() {
        closing = true;
        for (ServerConnection connection : new ArrayList<>(connections)) {
            try {
                connection.close(System.nanoTime(), DetachReason.SERVER_CLOSED,
                        "the manager's control server closed");
            } catch (Throwable e) {
                LOG.error("closing {} failed", connection, e);
            }
        }
        try {
            socketFile.close();
        } catch (IOException | RuntimeException e) {
            LOG.warn("closing control socket {} failed", socketFile.path(), e);
        }
        wakeup.close();  // a racing close() then signals nothing (GuardedDescriptor)
        LOG.info("control server on {} closed", socketFile.path());
    }

    /**
     * Stops serving: closes every connection (attached sessions end with {@link DetachReason#SERVER_CLOSED}), closes
     * and unlinks the socket, and waits for the control thread. Idempotent. Called from a handler it only requests
     * the stop (the control thread finishes it after the handler returns).
     */
    @Override
    public void close() {
        closing = true;
        wakeup.signal();
        if (Thread.currentThread() == thread) {
            return;
        }
        try {
            thread.join(JOIN_TIMEOUT_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            LOG.error("control thread {} did not stop within {} ms", thread.getName(), JOIN_TIMEOUT_MILLIS);
        }
    }
}

package dev.pagestore.ipc.control;

import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The manager's side of the control plane: a Unix domain socket where workers attach and detach, served by one
 * control thread with a selector.
 *
 * <h2>Why a socket, and why no heartbeats</h2>
 * The open connection is the liveness signal. When a worker process dies, however it dies ({@code kill -9}
 * included), the kernel closes its descriptors, and the manager's end of the socket becomes readable with end of
 * stream (or a reset when unread data was pending). The selector wakes at once, so the handler hears of the death
 * within milliseconds, with no heartbeat period to wait out and no false alarm from a worker paused by GC.
 *
 * <h2>What it does not do</h2>
 * It does not know what a channel is: the {@link AttachHandler} decides each attach and is told of each end. It does
 * not decide which manager owns a directory: the caller holds the directory's {@code flock}
 * ({@link dev.pagestore.ipc.linux.ExclusiveLock}) before starting it (see {@code ControlSocketFile} for how a stale
 * socket file is replaced).
 *
 * <h2>Robustness</h2>
 * Every frame is validated ({@link ControlCodec}); a peer that sends garbage, an oversized length, an unknown type, a
 * truncated frame or a message out of order gets a best-effort {@link Refusal} and has its connection closed, and
 * nothing else changes. A connection that does not attach within the handshake timeout is closed, and the number of
 * such connections is bounded.
 *
 * <p>Thread safety: {@link #close()} and the accessors may be called from any thread; the handler is called on the
 * control thread only.
 */
public final class ControlServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ControlServer.class);
    private static final int BACKLOG = 64;
    private static final long JOIN_TIMEOUT_MILLIS = 10_000;
    private static final long ACCEPT_PAUSE_MILLIS = 100;

    private final ControlServerOptions options;
    private final AttachHandler handler;
    private final ProcessIdentity manager;
    private final ControlSocketFile socketFile;
    private final Selector selector;
    private final Thread thread;
    private final AtomicLong protocolErrors = new AtomicLong();
    private final AtomicLong sessionsEnded = new AtomicLong();
    private final Map<Long, ControlSession> attachedSessions = new ConcurrentHashMap<>();
    private volatile boolean closing;
    private volatile int attachedCount;  // written by the control thread only; volatile for the accessor

    // Control thread only.
    private final Set<ServerConnection> connections = new HashSet<>();
    private long nextAttachId = 1;
    private long nextConnectionNumber = 1;
    private boolean acceptPaused;
    private long acceptPausedUntilNanos;
    private volatile int pendingCount;  // written by the control thread only; volatile for the accessor

    private ControlServer(ControlServerOptions options, AttachHandler handler, ControlSocketFile socketFile,
                          Selector selector) {
        this.options = options;
        this.handler = handler;
        this.manager = ProcessIdentity.current();
        this.socketFile = socketFile;
        this.selector = selector;
        this.thread = new Thread(this::run, "pagestore-control-" + socketFile.path().getFileName());
        this.thread.setDaemon(true);
    }

    /**
     * Binds the socket (mode 0600, replacing a stale file; see {@code ControlSocketFile}) and starts the control
     * thread. The caller must already hold the data directory's exclusive lock.
     */
    public static ControlServer start(ControlServerOptions options, AttachHandler handler) throws IOException {
        if (options == null || handler == null) {
            throw new IllegalArgumentException("options=" + options + " and handler=" + handler + " must not be null");
        }
        ControlSocketFile socketFile = ControlSocketFile.bind(options.socketPath(), BACKLOG);
        Selector selector = null;
        boolean success = false;
        try {
            selector = Selector.open();
            socketFile.channel().configureBlocking(false);
            socketFile.channel().register(selector, SelectionKey.OP_ACCEPT);
            ControlServer server = new ControlServer(options, handler, socketFile, selector);
            server.thread.start();
            success = true;
            LOG.info("control server of manager {} listening on {}", server.manager, socketFile.path());
            return server;
        } finally {
            if (!success) {
                if (selector != null) {
                    selector.close();
                }
                socketFile.close();
            }
        }
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

    /** A snapshot of the attached sessions (worker pid, start time, grant), for diagnostics. */
    public List<ControlSession> attachedSessions() {
        return List.copyOf(attachedSessions.values());
    }

    /** Connections open that have not attached (yet). */
    public int pendingConnectionCount() {
        return pendingCount;
    }

    /** Connections closed for protocol errors (including handshake timeouts) since start. */
    public long protocolErrorCount() {
        return protocolErrors.get();
    }

    /** Sessions whose end was reported to the handler since start. */
    public long sessionsEndedCount() {
        return sessionsEnded.get();
    }

    /** Whether the control thread is serving. */
    public boolean isRunning() {
        return thread.isAlive() && !closing;
    }

    private void run() {
        try {
            while (!closing) {
                long timeoutMillis = resumeAccepting(expireHandshakes());
                selector.select(timeoutMillis);
                Iterator<SelectionKey> ready = selector.selectedKeys().iterator();
                while (ready.hasNext()) {
                    SelectionKey key = ready.next();
                    ready.remove();
                    if (!key.isValid()) {
                        continue;
                    }
                    if (key.isAcceptable()) {
                        acceptAll();
                    } else {
                        serve((ServerConnection) key.attachment());
                    }
                }
            }
        } catch (IOException | RuntimeException | Error e) {
            LOG.error("control server on {} failed; closing it", socketFile.path(), e);
        } finally {
            shutdown();
        }
    }

    private void serve(ServerConnection connection) {
        try {
            connection.onReady();
        } catch (RuntimeException e) {
            // A defect while serving one connection must not take the others down: drop this one, loudly.
            LOG.error("internal error serving {}; closing it", connection, e);
            connection.close(System.nanoTime(), DetachReason.PROTOCOL_ERROR, "manager internal error: " + e);
        }
    }

    private void acceptAll() {
        SocketChannel accepted;
        while (true) {
            try {
                accepted = socketFile.channel().accept();
            } catch (IOException e) {
                // EMFILE/ENFILE (out of descriptors) and the like: the pending connection stays in the backlog and
                // the selector would report it again at once, so stop accepting for a moment instead of spinning.
                // Attached workers keep being served.
                LOG.warn("accepting a control connection failed; pausing accepts for {} ms: {}",
                        ACCEPT_PAUSE_MILLIS, e.toString());
                acceptKey().interestOps(0);
                acceptPausedUntilNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ACCEPT_PAUSE_MILLIS);
                acceptPaused = true;
                return;
            }
            if (accepted == null) {
                return;
            }
            if (pendingCount >= options.maxPendingConnections()) {
                LOG.warn("closing a new control connection: {} connections have not attached yet (the maximum)",
                        pendingCount);
                closeQuietly(accepted);
                continue;
            }
            long now = System.nanoTime();
            ServerConnection connection = new ServerConnection(this, accepted, nextConnectionNumber++, now,
                    now + options.handshakeTimeout().toNanos());
            try {
                accepted.configureBlocking(false);
                connection.registered(accepted.register(selector, SelectionKey.OP_READ, connection));
            } catch (IOException e) {
                LOG.warn("dropping a new control connection that could not be registered: {}", e.toString());
                closeQuietly(accepted);
                continue;
            }
            connections.add(connection);
            pendingCount++;
        }
    }

    private static void closeQuietly(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // a socket we never used; nothing to recover
        }
    }

    private SelectionKey acceptKey() {
        return socketFile.channel().keyFor(selector);
    }

    /** Re-enables accepting after a pause; returns the select timeout, shortened to the end of a pause. */
    private long resumeAccepting(long timeoutMillis) {
        if (!acceptPaused) {
            return timeoutMillis;
        }
        long left = acceptPausedUntilNanos - System.nanoTime();
        if (left <= 0) {
            acceptPaused = false;
            acceptKey().interestOps(SelectionKey.OP_ACCEPT);
            return timeoutMillis;
        }
        long pauseMillis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(left) + 1);
        return timeoutMillis == 0 ? pauseMillis : Math.min(timeoutMillis, pauseMillis);
    }

    /** Closes connections past their handshake deadline; returns the select timeout until the next deadline. */
    private long expireHandshakes() {
        if (pendingCount == 0) {
            return 0;  // select() without a timeout
        }
        long now = System.nanoTime();
        long nextDeadline = Long.MAX_VALUE;
        for (ServerConnection connection : new ArrayList<>(connections)) {
            if (connection.state() != ServerConnection.State.AWAITING_ATTACH) {
                continue;
            }
            long deadline = connection.handshakeDeadlineNanos();
            if (deadline - now <= 0) {
                LOG.warn("closing {}: no ATTACH within {}", connection, options.handshakeTimeout());
                protocolErrors.incrementAndGet();
                connection.handshakeExpired("no ATTACH within " + options.handshakeTimeout());
            } else {
                nextDeadline = Math.min(nextDeadline, deadline - now);
            }
        }
        return nextDeadline == Long.MAX_VALUE ? 0 : Math.max(1, TimeUnit.NANOSECONDS.toMillis(nextDeadline) + 1);
    }

    /** A well-formed ATTACH arrived on {@code connection}: decide it. */
    void attach(ServerConnection connection, AttachRequest request) {
        if (closing) {
            connection.refuse(new Refusal(RefusalCode.SHUTTING_DOWN, "the manager is shutting down"));
            return;
        }
        if (attachedCount >= options.maxWorkers()) {
            connection.refuse(new Refusal(RefusalCode.TOO_MANY_WORKERS, "the manager serves " + attachedCount
                    + " workers, its maximum (maxWorkers=" + options.maxWorkers() + ")"));
            return;
        }
        ControlSession session = new ControlSession(nextAttachId++, request, connection.connectedAtNanos());
        AttachDecision decision;
        try {
            decision = handler.onAttach(session, request);
            if (decision == null) {
                throw new IllegalStateException("AttachHandler.onAttach returned null");
            }
        } catch (Exception e) {
            LOG.error("attach handler failed for {}; refusing it", session, e);
            decision = Refusal.truncating(RefusalCode.INTERNAL_ERROR,
                    "the manager failed to prepare a channel: " + e);
        }
        switch (decision) {
            case Refusal refusal -> {
                LOG.info("refused {}: {} {}", session, refusal.code(), refusal.message());
                connection.refuse(refusal);
            }
            case AttachGrant grant -> {
                session.granted(grant);
                attachedSessions.put(session.attachId(), session);
                pendingCount--;
                attachedCount++;
                LOG.info("attached {}: channel {}", session, grant.channelName());
                connection.attached(session, new AttachedReply(session.attachId(), manager, grant));
            }
        }
    }

    /** {@code connection} closed; it was in {@code previous} state. */
    void closed(ServerConnection connection, ServerConnection.State previous) {
        assert previous != ServerConnection.State.CLOSED;
        connections.remove(connection);
        if (connection.session() != null) {
            attachedSessions.remove(connection.session().attachId());
            attachedCount--;
        } else {
            pendingCount--;
        }
        assert attachedCount >= 0 && pendingCount >= 0 : "attached " + attachedCount + ", pending " + pendingCount;
    }

    /** An attached session ended: tell the handler, exactly once per session (the connection guarantees it). */
    void detached(ControlSession session, DetachReason reason, String detail) {
        sessionsEnded.incrementAndGet();
        if (reason == DetachReason.ORDERLY) {
            LOG.info("{} detached", session);
        } else {
            LOG.warn("{} ended: {} ({})", session, reason, detail);
        }
        try {
            handler.onDetach(session, reason, detail);
        } catch (Exception e) {
            LOG.error("detach handler failed for {} ({})", session, reason, e);
        }
    }

    void countProtocolError(ServerConnection connection, ControlProtocolException e) {
        protocolErrors.incrementAndGet();
        LOG.warn("closing {}: {}", connection, e.getMessage());
    }

    private void shutdown() {
        closing = true;
        for (ServerConnection connection : new ArrayList<>(connections)) {
            connection.close(System.nanoTime(), DetachReason.SERVER_CLOSED, "the manager's control server closed");
        }
        try {
            selector.close();
        } catch (IOException e) {
            LOG.warn("closing the control selector failed", e);
        }
        try {
            socketFile.close();
        } catch (IOException e) {
            LOG.warn("closing control socket {} failed", socketFile.path(), e);
        }
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
        selector.wakeup();
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

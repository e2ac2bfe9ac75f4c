package dev.pagestore.ipc.control;

import dev.pagestore.ipc.linux.EventFd;
import dev.pagestore.ipc.linux.LibcProcesses;
import dev.pagestore.ipc.linux.ProcessIdentity;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The manager's side of the control plane: a Unix domain socket where workers attach and detach and tools observe,
 * served by one control thread in a {@code poll(2)} loop ({@link ControlLoop}, woken by an {@link EventFd} to close).
 * Its parts: {@link ConnectionAcceptor} (who may connect), {@link PendingConnections} (handshake deadlines and
 * eviction), {@link AttachDesk} (each ATTACH and OBSERVE), {@link SessionTable} (sessions and the ends the manager
 * asks for), {@link ControlEvents} (counts and rate-limited log lines).
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
 * See {@link ControlServerOptions} and {@link PendingConnections}: a per-process cap on connections that have not sent
 * their first frame, a short handshake deadline, and eviction of the oldest such connection when the global cap is
 * reached, so a flood of idle or dribbling connections from one process cannot keep another worker from attaching.
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
 * its own {@link LogLimiter} (in {@link ControlEvents}): at most one a second, saying how many like it were left out
 * (bad frames, refusals, false pid claims, evictions, handshake timeouts, refused peers, internal errors); an attach
 * and a session's end are one line each, at most five a second, and DEBUG beyond. The events are counted
 * ({@link #protocolErrorCount}, {@link #refusedPeerCount}, {@link #refusalCount}, {@link #attachCount}) for the
 * status region.
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

    private final Consumer<Throwable> onFailure;
    private final ProcessIdentity manager;
    private final ControlSocketFile socketFile;
    private final EventFd wakeup;
    private final Thread thread;
    private final ControlEvents events = new ControlEvents();
    private final SessionTable sessions = new SessionTable();
    private final PendingConnections pending;
    private final ControlLoop loop;

    private ControlServer(ControlServerOptions options, AttachHandler handler, Consumer<Throwable> onFailure,
                          ControlSocketFile socketFile, EventFd wakeup) {
        this.onFailure = onFailure;
        this.manager = ProcessIdentity.current();
        this.socketFile = socketFile;
        this.wakeup = wakeup;
        this.pending = new PendingConnections(options, events);
        this.loop = new ControlLoop(options, handler, manager, LibcProcesses.geteuid(), socketFile, wakeup, events,
                pending, sessions);
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
        return sessions.attachedCount();
    }

    /** A snapshot of the attached sessions (kernel identity, request, grant), for diagnostics. */
    public List<ControlSession> attachedSessions() {
        return sessions.attachedSessions();
    }

    /** Connections open that have not sent their first frame (yet). */
    public int pendingConnectionCount() {
        return pending.count();
    }

    /** Observer connections open. */
    public int observerCount() {
        return loop.observerCount();
    }

    /** Connections closed for protocol errors (including handshake timeouts and evictions) since start. */
    public long protocolErrorCount() {
        return events.protocolErrorCount();
    }

    /**
     * Connections closed at accept because of who their peer is: a uid neither this process's nor root's, or a process
     * the kernel cannot name in this pid namespace ({@code SO_PEERCRED} pid 0).
     */
    public long refusedPeerCount() {
        return events.refusedPeerCount();
    }

    /** ATTACH and OBSERVE requests refused since start (by the handler, or for too many workers, or at shutdown). */
    public long refusalCount() {
        return events.refusalCount();
    }

    /** Sessions granted since start. */
    public long attachCount() {
        return events.attachCount();
    }

    /** ATTACH requests whose claimed pid was not the kernel's (the kernel's was recorded) since start. */
    public long falsePidClaimCount() {
        return events.falsePidClaimCount();
    }

    /**
     * Pending connections closed to make room for newer ones since start (a process's own oldest when it is at its
     * cap, else the oldest of all).
     */
    public long evictedConnectionCount() {
        return events.evictedConnectionCount();
    }

    /** Sessions whose end was reported to the handler since start. */
    public long sessionsEndedCount() {
        return events.sessionsEndedCount();
    }

    /** Whether the control thread is serving. */
    public boolean isRunning() {
        return thread.isAlive() && !loop.stopping();
    }

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
        if (session == null || loop.stopping() || !sessions.requestEnd(session, reason)) {
            return false;
        }
        wakeup.signal();
        return true;
    }

    private void run() {
        Throwable failure = null;
        try {
            loop.run();
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

    private void shutdown() {
        loop.stop();
        loop.closeAll();
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
        loop.stop();
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

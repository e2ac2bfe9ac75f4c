package dev.pagestore.ipc.control;

import dev.pagestore.ipc.linux.ErrnoException;
import dev.pagestore.ipc.linux.PeerCredentials;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What peers make the {@link ControlServer} do, counted for the status region and logged within limits.
 *
 * <p>Anything a peer can make happen at will, it can make happen thousands of times a second. Each such kind of line
 * has its own {@link LogLimiter}: at most one a second, saying how many like it were left out (bad frames, refusals,
 * false pid claims, evictions, handshake timeouts, refused peers, internal errors); an attach and a session's end are
 * one line each, at most five a second, and DEBUG beyond.
 *
 * <p>Thread safety: the events are reported on the control thread only; the counts may be read from any thread.
 */
final class ControlEvents {
    /** The server's own logger: every line the control plane writes stays under one name for operators. */
    private static final Logger LOG = LoggerFactory.getLogger(ControlServer.class);
    private static final long LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** Routine lines (an attach, a session's end) per second: a burst of workers starting, never a loop's rate. */
    private static final int ROUTINE_LINES_PER_INTERVAL = 5;

    private final AtomicLong protocolErrors = new AtomicLong();
    private final AtomicLong sessionsEnded = new AtomicLong();
    private final AtomicLong refusedPeers = new AtomicLong();
    private final AtomicLong evictedConnections = new AtomicLong();
    private final AtomicLong refusals = new AtomicLong();
    private final AtomicLong attaches = new AtomicLong();
    private final AtomicLong falsePidClaims = new AtomicLong();

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

    long protocolErrorCount() {
        return protocolErrors.get();
    }

    long refusedPeerCount() {
        return refusedPeers.get();
    }

    long refusalCount() {
        return refusals.get();
    }

    long attachCount() {
        return attaches.get();
    }

    long falsePidClaimCount() {
        return falsePidClaims.get();
    }

    long evictedConnectionCount() {
        return evictedConnections.get();
    }

    long sessionsEndedCount() {
        return sessionsEnded.get();
    }

    /** A connection closed at accept because the kernel could not name its peer. */
    void unnamedPeer(IOException e) {
        refusedPeers.incrementAndGet();
        if (refusedPeerLog.allow(System.nanoTime())) {
            LOG.warn("closing a control connection whose peer the kernel cannot name: {}{}", e.getMessage(),
                    refusedPeerLog.leftOut("refused peers not logged"));
        }
    }

    /** A connection closed at accept because its peer runs as another user. */
    void foreignUser(PeerCredentials peer, int managerUid) {
        refusedPeers.incrementAndGet();
        if (refusedPeerLog.allow(System.nanoTime())) {
            LOG.warn("closing a control connection from uid {} (pid {}): only uid {} and root may connect{}",
                    peer.uid(), peer.pid(), managerUid, refusedPeerLog.leftOut("refused peers not logged"));
        }
    }

    /** A connection refused at accept because its peer's pid namespace is not visible from this one. */
    void unseenPidNamespace(PeerCredentials peer) {
        refusedPeers.incrementAndGet();
        if (refusedPeerLog.allow(System.nanoTime())) {
            LOG.warn("closing a control connection from a process of uid {} in a pid namespace this manager"
                    + " cannot see (SO_PEERCRED pid {}); workers must run in the manager's pid namespace or one"
                    + " below it{}", peer.uid(), peer.pid(), refusedPeerLog.leftOut("refused peers not logged"));
        }
    }

    void acceptFailed(ErrnoException e, long pauseMillis) {
        if (acceptFailureLog.allow(System.nanoTime())) {
            LOG.warn("accepting a control connection failed; pausing accepts for {} ms: {}{}",
                    pauseMillis, e.getMessage(), acceptFailureLog.leftOut("failures not logged"));
        }
    }

    /** A pending connection closed to make room for a newer one (also a protocol error). */
    void evicted(ServerConnection connection, String why) {
        evictedConnections.incrementAndGet();
        protocolErrors.incrementAndGet();
        if (evictionLog.allow(System.nanoTime())) {
            LOG.warn("evicting {}: {}{}", connection, why, evictionLog.leftOut("evictions not logged"));
        }
    }

    /** A connection sent no first frame before its deadline (a protocol error). */
    void handshakeExpired(ServerConnection connection, Duration handshakeTimeout, long now) {
        protocolErrors.incrementAndGet();
        if (handshakeTimeoutLog.allow(now)) {
            LOG.warn("closing {}: no ATTACH or OBSERVE within {}{}", connection, handshakeTimeout,
                    handshakeTimeoutLog.leftOut("timeouts not logged"));
        }
    }

    void protocolError(ServerConnection connection, ControlProtocolException e) {
        protocolErrors.incrementAndGet();
        if (protocolErrorLog.allow(System.nanoTime())) {
            LOG.warn("closing {}: {}{}", connection, e.getMessage(),
                    protocolErrorLog.leftOut("protocol errors not logged"));
        }
    }

    /** An ATTACH or OBSERVE refused; {@code subject} names the would-be session or the connection. */
    void refused(Object subject, Refusal refusal) {
        refusals.incrementAndGet();
        if (refusalLog.allow(System.nanoTime())) {
            LOG.info("refused {}: {} {}{}", subject, refusal.code(), refusal.message(),
                    refusalLog.leftOut("refusals not logged"));
        }
    }

    /** An ATTACH claimed a pid that is not the kernel's. */
    void falsePidClaim(AttachRequest request, PeerCredentials peer) {
        falsePidClaims.incrementAndGet();
        if (falseClaimLog.allow(System.nanoTime())) {
            LOG.warn("ATTACH '{}' claims pid {}, but the kernel says pid {} connected; recording the kernel's{}",
                    ControlMessageDescriptor.printable(request.clientName()), request.claimedWorker().pid(),
                    peer.pid(), falseClaimLog.leftOut("false claims not logged"));
        }
    }

    void observerReplaced(ServerConnection oldest, int maxObservers) {
        if (observerLog.allow(System.nanoTime())) {
            LOG.info("closing the oldest observer {} to make room (maxObservers={}); its tool keeps its"
                    + " mapping{}", oldest, maxObservers, observerLog.leftOut("observers closed, not logged"));
        }
    }

    void attached(ControlSession session, AttachGrant grant) {
        attaches.incrementAndGet();
        long now = System.nanoTime();
        if (attachLog.allow(now)) {
            LOG.info("attached {}: page size {}, ring capacity {}{}", session, grant.pageSizeBytes(),
                    grant.ringCapacity(), attachLog.leftOut("attaches logged at debug level only"));
        } else {
            LOG.debug("attached {}: page size {}, ring capacity {}", session, grant.pageSizeBytes(),
                    grant.ringCapacity());
        }
    }

    void ended(ControlSession session, DetachReason reason, String detail) {
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
    }

    /**
     * Something failed inside the manager while serving a peer. {@code format} has one {@code {}} per subject, then
     * one last {@code {}} for what was left out.
     */
    void internalError(Throwable e, String format, Object... subjects) {
        if (internalErrorLog.allow(System.nanoTime())) {
            Object[] arguments = Arrays.copyOf(subjects, subjects.length + 2);
            arguments[subjects.length] = internalErrorLog.leftOut("internal errors not logged");
            arguments[subjects.length + 1] = e;
            LOG.error(format, arguments);
        }
    }
}

package dev.pagestore.ipc.control;

import dev.pagestore.ipc.linux.PeerCredentials;
import dev.pagestore.ipc.linux.ProcessIdentity;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One attached worker as the manager's control server sees it: who it is, as the kernel says (not as it claims),
 * what it asked for and what it was granted. Created when a well-formed ATTACH arrives; ended exactly once, with
 * {@link AttachHandler#onDetach}, if the handler granted it.
 *
 * <p>Immutable apart from {@link #grant()} and {@link #endedAtNanos()}, which the control thread sets, and the end the
 * manager may ask for ({@link ControlServer#endSession}); safe to read from any thread.
 */
public final class ControlSession {
    private final long attachId;
    private final AttachRequest request;
    private final PeerCredentials peer;
    private final ProcessIdentity worker;
    private final long connectedAtNanos;
    private volatile AttachGrant grant;
    private volatile long endedAtNanos;
    /** Why the manager asked to end this session ({@link ControlServer#endSession}); set once. */
    private final AtomicReference<String> endReason = new AtomicReference<>();

    ControlSession(long attachId, AttachRequest request, PeerCredentials peer, ProcessIdentity worker,
                   long connectedAtNanos) {
        assert attachId > 0 : "attachId " + attachId;
        this.attachId = attachId;
        this.request = request;
        this.peer = peer;
        this.worker = worker;
        this.connectedAtNanos = connectedAtNanos;
    }

    /** The manager's number for this attachment, positive and unique for the server's life. */
    public long attachId() {
        return attachId;
    }

    /**
     * The worker process as the kernel identifies it: the pid from {@code SO_PEERCRED} (recorded when it connected)
     * and its start time from {@code /proc/PID/stat}. Never what the ATTACH body claims
     * ({@link AttachRequest#claimedWorker()}).
     */
    public ProcessIdentity worker() {
        return worker;
    }

    /** The kernel's record of the connecting process: pid, effective uid and gid at {@code connect(2)}. */
    public PeerCredentials peer() {
        return peer;
    }

    public AttachRequest request() {
        return request;
    }

    /** The grant sent to the worker; {@code null} while the handler is still deciding. */
    public AttachGrant grant() {
        return grant;
    }

    void granted(AttachGrant granted) {
        assert grant == null : "session " + attachId + " granted twice";
        grant = granted;
    }

    /** {@link System#nanoTime()} when the connection was accepted. */
    public long connectedAtNanos() {
        return connectedAtNanos;
    }

    /**
     * {@link System#nanoTime()} when the control thread saw the session end (before it called
     * {@link AttachHandler#onDetach}), or 0 while attached. Detection latency is measured against this.
     */
    public long endedAtNanos() {
        return endedAtNanos;
    }

    void ended(long nanos) {
        endedAtNanos = nanos == 0 ? 1 : nanos;
    }

    /** Records that the manager asked to end this session; false when it asked already. Any thread. */
    boolean requestEnd(String reason) {
        return endReason.compareAndSet(null, reason);
    }

    /** Why the manager asked to end this session, or {@code null}. */
    String endReason() {
        return endReason.get();
    }

    @Override
    public String toString() {
        return "session " + attachId + " '" + ControlMessageDescriptor.printable(request.clientName())
                + "' of worker " + worker;
    }
}

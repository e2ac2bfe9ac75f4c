package dev.pagestore.ipc.control;

/**
 * One attached worker as the manager's control server sees it: who it is, what it asked for and what it was
 * granted. Created when the {@link AttachHandler} grants an attach; ended exactly once, with
 * {@link AttachHandler#onDetach}.
 *
 * <p>Immutable apart from {@link #endedAtNanos()}, which the control thread sets when the session ends; safe to read
 * from any thread.
 */
public final class ControlSession {
    private final long attachId;
    private final AttachRequest request;
    private final long connectedAtNanos;
    private volatile AttachGrant grant;
    private volatile long endedAtNanos;

    ControlSession(long attachId, AttachRequest request, long connectedAtNanos) {
        assert attachId > 0 : "attachId " + attachId;
        this.attachId = attachId;
        this.request = request;
        this.connectedAtNanos = connectedAtNanos;
    }

    /** The manager's number for this attachment, positive and unique for the server's life. */
    public long attachId() {
        return attachId;
    }

    /** The worker's pid and start time, as it stated them in ATTACH. */
    public ProcessIdentity worker() {
        return request.worker();
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

    @Override
    public String toString() {
        return "session " + attachId + " '" + request.clientName() + "' of worker " + request.worker();
    }
}

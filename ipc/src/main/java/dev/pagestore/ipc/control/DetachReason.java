package dev.pagestore.ipc.control;

/** Why an attached worker's session ended ({@link AttachHandler#onDetach}). */
public enum DetachReason {
    /** The worker sent DETACH: it no longer uses its channel. */
    ORDERLY,
    /**
     * The worker's connection ended without DETACH: end of stream or connection reset. The kernel closes a dead
     * process's sockets, so this is how {@code kill -9}, a crash or an exit without goodbye shows up.
     */
    PEER_DIED,
    /** The worker sent bytes that break the protocol; the manager closed the connection. */
    PROTOCOL_ERROR,
    /** The manager's control server closed while the worker was attached. */
    SERVER_CLOSED,
    /**
     * The manager ended the session itself ({@link ControlServer#endSession}), for example because it stopped serving
     * the worker's channel; the worker was sent the reason.
     */
    ENDED_BY_MANAGER
}

package dev.pagestore.ipc.control;

import dev.pagestore.ipc.linux.ProcessIdentity;

/**
 * The manager's end of an attached worker's control connection closed without a DETACHED: the manager died (the
 * kernel closed its sockets), closed its server, broke the protocol, or ended this session itself and said why. The
 * worker must stop using the channel: fail its pending requests with a clear error and, if it wants, attach again
 * (a manager that ended one session serves a new one).
 *
 * @param attachId the attachment that ended
 * @param manager the manager process that granted it
 * @param cause how the end showed up (on the socket, or through the channel's lifeline)
 * @param detail a human-readable account
 * @param detectedAtNanos {@link System#nanoTime()} when the reader thread saw it, before calling the listener
 */
public record ManagerGoneEvent(long attachId, ProcessIdentity manager, Cause cause, String detail,
                               long detectedAtNanos) {

    /** How the manager's end of the connection went away. */
    public enum Cause {
        /**
         * The manager process died: the kernel handed its channel lifeline to this worker as owner-dead
         * ({@link dev.pagestore.ipc.channel.Lifeline}), which it does before the dead process's sockets close.
         */
        PROCESS_DIED,
        /** End of stream: the manager process died or closed the connection. */
        CONNECTION_CLOSED,
        /** The connection was reset. */
        CONNECTION_RESET,
        /** The manager sent bytes this worker could not accept; the worker closed the connection. */
        PROTOCOL_ERROR,
        /**
         * The manager, alive, ended this session and said why (a REFUSED to an attached worker, then the close): for
         * example it no longer serves the channel because the worker broke its ring
         * ({@link RefusalCode#SESSION_ENDED}), or it refused a frame the worker sent. The detail holds the code and
         * the manager's reason.
         */
        SESSION_ENDED
    }
}

package dev.pagestore.ipc.control;

import dev.pagestore.ipc.linux.ErrnoException;
import dev.pagestore.ipc.linux.PeerCredentials;
import dev.pagestore.ipc.linux.UnixListener;
import dev.pagestore.ipc.linux.UnixSocket;
import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * Accepts connections on the control socket and admits only peers it may serve: the peer's effective uid must be
 * this process's or root's (anyone else is closed without a word: it learns nothing, not even the protocol version),
 * and the kernel must name the peer in this pid namespace ({@code SO_PEERCRED} pid 0 otherwise), or it is refused
 * with {@link RefusalCode#UNIDENTIFIED_PEER} and a reason. An admitted connection makes room for itself among the
 * {@link PendingConnections} first.
 *
 * <p>When accepting fails (out of descriptors and the like) the connection stays in the backlog, so accepting pauses
 * for a moment instead of spinning on it; open connections keep being served.
 *
 * <p>Thread safety: the control thread only.
 */
final class ConnectionAcceptor {
    private static final long ACCEPT_PAUSE_MILLIS = 100;
    /** Accepts per loop pass, so that a flood of connects cannot starve the connections already open. */
    private static final int ACCEPTS_PER_PASS = 64;

    private final UnixListener listener;
    private final int managerUid;
    private final ControlEvents events;
    private final PendingConnections pending;
    private final ControlLoop loop;
    private boolean paused;
    private long pausedUntilNanos;

    ConnectionAcceptor(UnixListener listener, int managerUid, ControlEvents events, PendingConnections pending,
                       ControlLoop loop) {
        this.listener = listener;
        this.managerUid = managerUid;
        this.events = events;
        this.pending = pending;
        this.loop = loop;
    }

    /** Whether the loop should poll the listener now (false during a pause). */
    boolean accepting() {
        return !paused;
    }

    /** Accepts what waits in the backlog, up to a bound per pass. */
    void acceptAll() {
        for (int i = 0; i < ACCEPTS_PER_PASS; i++) {
            UnixSocket accepted;
            try {
                accepted = listener.accept();
            } catch (ErrnoException e) {
                // EMFILE/ENFILE (out of descriptors) and the like: the connection stays in the backlog and poll
                // would report it again at once, so stop accepting for a moment instead of spinning. Attached
                // workers keep being served.
                events.acceptFailed(e, ACCEPT_PAUSE_MILLIS);
                pausedUntilNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ACCEPT_PAUSE_MILLIS);
                paused = true;
                return;
            }
            if (accepted == null) {
                return;
            }
            try {
                admit(accepted);
            } catch (Throwable e) {
                events.internalError(e, "admitting a control connection failed; closing it{}");
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
            events.unnamedPeer(e);
            socket.close();
            return;
        }
        if (peer.uid() != managerUid && peer.uid() != 0) {
            // Not a word to another user: it learns nothing, not even the protocol version.
            events.foreignUser(peer, managerUid);
            socket.close();
            return;
        }
        if (peer.pid() <= 0) {
            // SO_PEERCRED gives pid 0 for a process outside this pid namespace and its descendants: the manager could
            // neither name it nor count its connections and attachments per process, so it cannot serve it. A
            // worker of our own user deserves to know why.
            events.unseenPidNamespace(peer);
            refuseAtAccept(socket, new Refusal(RefusalCode.UNIDENTIFIED_PEER, "the manager cannot name your process:"
                    + " it runs in a pid namespace that the manager's pid namespace cannot see (SO_PEERCRED pid "
                    + peer.pid() + "); run workers in the manager's pid namespace or one below it"));
            return;
        }
        pending.makeRoomFor(peer.pid());
        loop.open(socket, peer);
    }

    /**
     * Best effort, one non-blocking send of {@code refusal}, then the close of a connection that was never admitted.
     * The peer may close first, or not read: the close is what matters.
     */
    private void refuseAtAccept(UnixSocket socket, Refusal refusal) {
        try {
            loop.sendOnce(socket, ControlCodec.encode(refusal));
        } catch (IOException | RuntimeException ignored) {
            // the peer is gone or not reading
        }
        socket.close();
    }

    /** Re-enables accepting after a pause; returns the poll timeout, shortened to the end of a pause. */
    int pauseTimeout(int timeoutMillis) {
        if (!paused) {
            return timeoutMillis;
        }
        long left = pausedUntilNanos - System.nanoTime();
        if (left <= 0) {
            paused = false;
            return timeoutMillis;
        }
        int pauseMillis = (int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(left) + 1);
        return timeoutMillis < 0 ? pauseMillis : Math.min(timeoutMillis, pauseMillis);
    }
}

package dev.pagestore.ipc.control;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The control socket's connections that have not sent their first frame, with their handshake deadlines and the
 * eviction that keeps a flood of them from one process away from every other process (see
 * {@link ControlServerOptions}: a per-process cap, a global cap, and a short handshake deadline).
 *
 * <p>Thread safety: the control thread only; {@link #count()} may be read from any thread.
 */
final class PendingConnections {
    private final ControlServerOptions options;
    private final ControlEvents events;
    /** Oldest first; deadlines are in this order too, since every connection gets the same timeout at accept. */
    private final LinkedHashSet<ServerConnection> pending = new LinkedHashSet<>();
    private final Map<Integer, Integer> pendingByPid = new HashMap<>();
    private volatile int count;  // written by the control thread only; volatile for the accessor

    PendingConnections(ControlServerOptions options, ControlEvents events) {
        this.options = options;
        this.events = events;
    }

    /** Connections without a first frame now. */
    int count() {
        return count;
    }

    /** A connection just accepted; room was made for it ({@link #makeRoomFor}). */
    void add(ServerConnection connection) {
        pending.add(connection);
        pendingByPid.merge(connection.peer().pid(), 1, Integer::sum);
        count = pending.size();
    }

    /** {@code connection} sent its first frame or closed: it is no longer pending. */
    void leave(ServerConnection connection) {
        if (pending.remove(connection)) {
            pendingByPid.computeIfPresent(connection.peer().pid(), (pid, n) -> n == 1 ? null : n - 1);
            count = pending.size();
        }
    }

    /**
     * Evicts one pending connection if a new one from {@code pid} would pass a cap: the process's own oldest when it
     * is at its cap, else the oldest of all when every pending place is taken.
     */
    void makeRoomFor(int pid) {
        int fromPid = pendingByPid.getOrDefault(pid, 0);
        if (fromPid >= options.maxPendingPerProcess()) {
            // The process's own oldest idle connection makes room: another process's newcomer never pays for it.
            ServerConnection oldestOfPid = null;
            for (ServerConnection candidate : pending) {
                if (candidate.peer().pid() == pid) {
                    oldestOfPid = candidate;
                    break;
                }
            }
            assert oldestOfPid != null : "pid " + pid + " counted " + fromPid + " pending, none found";
            evict(oldestOfPid, "pid " + pid + " holds " + fromPid + " connections that have not attached"
                    + " (maxPendingPerProcess); its oldest makes room");
        } else if (pending.size() >= options.maxPendingConnections()) {
            evict(pending.iterator().next(), pending.size() + " connections have not attached"
                    + " (maxPendingConnections); the oldest makes room");
        }
    }

    private void evict(ServerConnection connection, String why) {
        events.evicted(connection, why);
        connection.closeUnanswered("evicted by a newer connection");
    }

    /**
     * Closes connections past their handshake deadline (oldest first); returns the poll timeout until the next
     * deadline, or -1 for none. A first frame that arrived in time is served first ({@code serveInput}): the deadline
     * is for a peer that is slow to send, not for this thread being slow to read: a control thread starved of CPU
     * must not turn away as silent a worker whose ATTACH waits in its socket.
     */
    int expireHandshakes(long now, Consumer<ServerConnection> serveInput) {
        while (!pending.isEmpty()) {
            ServerConnection oldest = pending.iterator().next();
            long left = oldest.handshakeDeadlineNanos() - now;
            if (left > 0) {
                return (int) Math.min(Integer.MAX_VALUE, Math.max(1, TimeUnit.NANOSECONDS.toMillis(left) + 1));
            }
            serveInput.accept(oldest);  // non-blocking: reads what is there, if anything
            if (pending.contains(oldest)) {
                events.handshakeExpired(oldest, options.handshakeTimeout(), now);
                oldest.closeUnanswered("no ATTACH or OBSERVE within " + options.handshakeTimeout());
            }
        }
        return -1;
    }
}

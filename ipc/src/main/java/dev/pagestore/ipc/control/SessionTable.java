package dev.pagestore.ipc.control;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The control server's sessions: those being decided by the handler and those attached, by attach id, with their
 * connections, the attachments of each process (for {@code maxWorkersPerProcess}), and the ends the manager asked
 * for ({@link ControlServer#endSession}).
 *
 * <p>Thread safety: written by the control thread only. {@link #get}, {@link #attachedSessions},
 * {@link #attachedCount} and {@link #requestEnd} may be called from any thread.
 */
final class SessionTable {
    private final Map<Long, ControlSession> sessions = new ConcurrentHashMap<>();
    /** Sessions whose end {@link ControlServer#endSession} asked for, each at most once. */
    private final Queue<ControlSession> endRequests = new ConcurrentLinkedQueue<>();
    // Control thread only.
    private final Map<Integer, Integer> attachedByPid = new HashMap<>();
    private final Map<Long, ServerConnection> connectionsByAttachId = new HashMap<>();
    private long nextAttachId = 1;
    private volatile int attachedCount;  // written by the control thread only; volatile for the accessor

    long nextAttachId() {
        return nextAttachId++;
    }

    /** Workers attached now. */
    int attachedCount() {
        return attachedCount;
    }

    /** Sessions attached by process {@code pid} now. */
    int attachedOf(int pid) {
        return attachedByPid.getOrDefault(pid, 0);
    }

    /** The session {@code attachId}, being decided or attached; {@code null} when unknown. */
    ControlSession get(long attachId) {
        return sessions.get(attachId);
    }

    /** A snapshot of the attached sessions. */
    List<ControlSession> attachedSessions() {
        return sessions.values().stream().filter(session -> session.grant() != null).toList();
    }

    /**
     * The handler is about to decide {@code session}: known from here on, so that an end can reach a session that a
     * reactor serves before the grant is sent.
     */
    void deciding(ControlSession session, ServerConnection connection) {
        sessions.put(session.attachId(), session);
        connectionsByAttachId.put(session.attachId(), connection);
    }

    /** The handler refused {@code session}: it was never attached. */
    void refused(ControlSession session) {
        sessions.remove(session.attachId());
        connectionsByAttachId.remove(session.attachId());
    }

    /** The handler granted {@code session}, already {@link #deciding}, to process {@code pid}. */
    void attached(ControlSession session, int pid) {
        assert sessions.get(session.attachId()) == session : session + " was not being decided";
        attachedByPid.merge(pid, 1, Integer::sum);
        attachedCount++;
    }

    /** {@code connection} closed: its session, if it had one still here, is gone. */
    void closed(ServerConnection connection) {
        ControlSession session = connection.session();
        if (session != null && sessions.remove(session.attachId()) != null) {
            connectionsByAttachId.remove(session.attachId());
            attachedByPid.computeIfPresent(connection.peer().pid(), (pid, n) -> n == 1 ? null : n - 1);
            attachedCount--;
        }
        assert attachedCount >= 0 : "attached " + attachedCount;
    }

    /**
     * Any thread: asks the control thread to end {@code session} with {@code reason}; false when its end was asked
     * for already.
     */
    boolean requestEnd(ControlSession session, String reason) {
        if (!session.requestEnd(reason)) {
            return false;
        }
        endRequests.add(session);
        return true;
    }

    /** Control thread: ends every session whose end was asked for and whose connection is still open. */
    void endRequested() {
        ControlSession session;
        while ((session = endRequests.poll()) != null) {
            ServerConnection connection = connectionsByAttachId.get(session.attachId());
            if (connection != null) {
                connection.endByManager(session.endReason());
            }
        }
    }
}

package dev.pagestore.ipc.control;

import dev.pagestore.ipc.linux.EventFd;
import dev.pagestore.ipc.linux.LibcFiles;
import dev.pagestore.ipc.linux.PeerCredentials;
import dev.pagestore.ipc.linux.PollSet;
import dev.pagestore.ipc.linux.ProcessIdentity;
import dev.pagestore.ipc.linux.UnixSocket;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control thread's {@code poll(2)} loop: the wakeup {@link EventFd}, the listening socket (unless accepting is
 * paused) and every open connection in one poll set, with the poll timeout cut to the next handshake deadline. Each
 * pass ends the sessions the manager asked to end, expires handshakes, then serves what is ready. Anything thrown
 * while serving one connection, {@link Error}s included, closes that connection only.
 *
 * <p>It is also what each {@link ServerConnection} reports to: a first frame (to the {@link AttachDesk}), a protocol
 * error, its close and its session's end (to the handler, once per session).
 *
 * <p>Thread safety: the control thread only, except {@link #stop()}, {@link #stopping()} and
 * {@link #observerCount()}.
 */
final class ControlLoop {
    private static final Logger LOG = LoggerFactory.getLogger(ControlServer.class);

    private final ControlServerOptions options;
    private final AttachHandler handler;
    private final ControlSocketFile socketFile;
    private final EventFd wakeup;
    private final ControlEvents events;
    private final PendingConnections pending;
    private final SessionTable sessions;
    private final AttachDesk desk;
    private final ConnectionAcceptor acceptor;
    private final MemorySegment scratch = Arena.ofAuto().allocate(ControlMessageDescriptor.FRAME_LENGTH_MAX, 8);
    private final PollSet pollSet = new PollSet(Arena.ofAuto(), 64);
    private final LinkedHashSet<ServerConnection> connections = new LinkedHashSet<>();
    private long nextConnectionNumber = 1;
    private volatile boolean closing;

    ControlLoop(ControlServerOptions options, AttachHandler handler, ProcessIdentity manager, int managerUid,
                ControlSocketFile socketFile, EventFd wakeup, ControlEvents events, PendingConnections pending,
                SessionTable sessions) {
        this.options = options;
        this.handler = handler;
        this.socketFile = socketFile;
        this.wakeup = wakeup;
        this.events = events;
        this.pending = pending;
        this.sessions = sessions;
        this.desk = new AttachDesk(options, handler, manager, events, pending, sessions, this::stopping);
        this.acceptor = new ConnectionAcceptor(socketFile.listener(), managerUid, events, pending, this);
    }

    /** Any thread: the loop ends after its current pass (the caller signals the wakeup). */
    void stop() {
        closing = true;
    }

    boolean stopping() {
        return closing;
    }

    int observerCount() {
        return desk.observerCount();
    }

    /** Serves until {@link #stop()}; what it throws is a failure of the whole control thread. */
    void run() throws IOException {
        ServerConnection[] polled = new ServerConnection[64];
        while (!closing) {
            sessions.endRequested();
            int timeoutMillis = acceptor.pauseTimeout(
                    pending.expireHandshakes(System.nanoTime(), connection -> serve(connection, LibcFiles.POLLIN)));
            pollSet.clear();
            pollSet.add(wakeup.pollDescriptor(), LibcFiles.POLLIN);
            int listenerIndex = acceptor.accepting()
                    ? pollSet.add(socketFile.listener().pollDescriptor(), LibcFiles.POLLIN) : -1;
            if (polled.length < connections.size()) {
                polled = new ServerConnection[2 * connections.size()];
            }
            int base = pollSet.size();
            int count = 0;
            for (ServerConnection connection : connections) {
                polled[count++] = connection;
                pollSet.add(connection.pollDescriptor(), connection.interest());
            }
            if (pollSet.poll(timeoutMillis) == 0) {
                continue;
            }
            if (pollSet.readyEvents(0) != 0) {
                wakeup.drain();
            }
            for (int i = 0; i < count && !closing; i++) {
                short events = pollSet.readyEvents(base + i);
                if (events != 0 && polled[i].state() != ServerConnection.State.CLOSED) {
                    serve(polled[i], events);
                }
                polled[i] = null;
            }
            if (!closing && listenerIndex >= 0 && pollSet.readyEvents(listenerIndex) != 0) {
                acceptor.acceptAll();
            }
        }
    }

    /** Serves one connection; whatever it throws costs that connection only. */
    private void serve(ServerConnection connection, short ready) {
        try {
            connection.onReady(ready, scratch);
        } catch (Throwable e) {
            events.internalError(e, "internal error serving {}; closing it{}", connection);
            try {
                connection.close(System.nanoTime(), DetachReason.PROTOCOL_ERROR, "manager internal error: " + e);
            } catch (Throwable again) {
                LOG.error("closing {} failed too", connection, again);
            }
        }
    }

    /** An admitted connection: it is pending until its first frame, which is read now if it is there already. */
    void open(UnixSocket socket, PeerCredentials peer) {
        long now = System.nanoTime();
        ServerConnection connection = new ServerConnection(this, socket, peer, nextConnectionNumber++, now,
                System.currentTimeMillis(), now + options.handshakeTimeout().toNanos());
        connections.add(connection);
        pending.add(connection);
        serve(connection, LibcFiles.POLLIN);  // a worker sends ATTACH right after connecting: it is usually here
    }

    /** Closes every connection; attached sessions end with {@link DetachReason#SERVER_CLOSED}. */
    void closeAll() {
        for (ServerConnection connection : new ArrayList<>(connections)) {
            try {
                connection.close(System.nanoTime(), DetachReason.SERVER_CLOSED,
                        "the manager's control server closed");
            } catch (Throwable e) {
                LOG.error("closing {} failed", connection, e);
            }
        }
    }

    // ---------------------------------------------------------------------------------------- called by connections

    /** The native buffer of one maximum frame that connections send and receive through. */
    MemorySegment scratch() {
        return scratch;
    }

    /** One non-blocking send of {@code frame} (a best-effort refusal before a close); no descriptors. */
    void sendOnce(UnixSocket socket, ByteBuffer frame) throws IOException {
        int length = frame.remaining();
        byte[] bytes = new byte[length];
        frame.get(bytes);
        MemorySegment.copy(bytes, 0, scratch, ValueLayout.JAVA_BYTE, 0, length);
        socket.send(scratch, length, false);
    }

    /** A well-formed ATTACH arrived on {@code connection}. */
    void attach(ServerConnection connection, AttachRequest request) {
        desk.attach(connection, request);
    }

    /** A well-formed OBSERVE arrived on {@code connection}. */
    void observe(ServerConnection connection, ObserveRequest request) {
        desk.observe(connection, request);
    }

    void countProtocolError(ServerConnection connection, ControlProtocolException e) {
        events.protocolError(connection, e);
    }

    /** {@code connection} closed. */
    void closed(ServerConnection connection) {
        connections.remove(connection);
        pending.leave(connection);
        desk.closed(connection);
        sessions.closed(connection);
    }

    /** An attached session ended: tell the handler, exactly once per session (the connection guarantees it). */
    void detached(ControlSession session, DetachReason reason, String detail) {
        events.ended(session, reason, detail);
        try {
            handler.onDetach(session, reason, detail);
        } catch (Throwable e) {
            events.internalError(e, "detach handler failed for {} ({}){}", session, reason);
        }
    }
}

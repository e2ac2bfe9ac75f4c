package dev.pagestore.ipc.control;

import static dev.pagestore.ipc.control.ControlMessageDescriptor.HEADER_LENGTH;

import dev.pagestore.ipc.linux.LibcFiles;
import dev.pagestore.ipc.linux.PeerCredentials;
import dev.pagestore.ipc.linux.UnixSocket;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * One accepted connection on the manager's control socket, driven by the {@link ControlServer}'s control thread
 * only (not thread-safe, never shared).
 *
 * <p>States: {@code AWAITING_FIRST_FRAME} (the first frame must be ATTACH or OBSERVE, before the handshake deadline)
 * → {@code ATTACHED} or {@code OBSERVING} (only DETACH may follow) → {@code CLOSING} (a REFUSED or DETACHED reply is
 * being flushed, also the REFUSED that tells a worker the manager ended its session; input is no longer read) →
 * {@code CLOSED}. Any protocol error closes the connection from any state.
 *
 * <p>Input is accumulated in a buffer of one maximum frame: a header is checked as soon as its 12 bytes are in, so a
 * bad magic, version, type or length is refused before its body is waited for, and a complete frame always fits. A
 * peer that sends file descriptors breaks the protocol: they are closed at once (the manager accepts none).
 */
final class ServerConnection {
    enum State { AWAITING_FIRST_FRAME, ATTACHED, OBSERVING, CLOSING, CLOSED }

    /** A reply waiting for room in the socket; its descriptors go with its first byte. */
    private static final class Outgoing {
        final ByteBuffer bytes;
        int[] descriptors;

        Outgoing(ByteBuffer bytes, int[] descriptors) {
            this.bytes = bytes;
            this.descriptors = descriptors;
        }
    }

    private static final int[] NO_DESCRIPTORS = new int[0];

    private final ControlLoop server;
    private final UnixSocket socket;
    private final PeerCredentials peer;
    private final long number;
    private final long connectedAtNanos;
    private final long connectedAtMillis;
    private final long handshakeDeadlineNanos;
    private final ByteBuffer in = ByteBuffer.allocate(ControlMessageDescriptor.FRAME_LENGTH_MAX)
            .order(ControlMessageDescriptor.BYTE_ORDER);
    private final ArrayDeque<Outgoing> out = new ArrayDeque<>();
    private State state = State.AWAITING_FIRST_FRAME;
    private ControlSession session;
    private boolean detachReported;

    ServerConnection(ControlLoop server, UnixSocket socket, PeerCredentials peer, long number,
                     long connectedAtNanos, long connectedAtMillis, long handshakeDeadlineNanos) {
        this.server = server;
        this.socket = socket;
        this.peer = peer;
        this.number = number;
        this.connectedAtNanos = connectedAtNanos;
        this.connectedAtMillis = connectedAtMillis;
        this.handshakeDeadlineNanos = handshakeDeadlineNanos;
    }

    State state() {
        return state;
    }

    /** The attached session, or {@code null} for a connection that has not (or never) attached. */
    ControlSession session() {
        return session;
    }

    PeerCredentials peer() {
        return peer;
    }

    long connectedAtNanos() {
        return connectedAtNanos;
    }

    long connectedAtMillis() {
        return connectedAtMillis;
    }

    long handshakeDeadlineNanos() {
        return handshakeDeadlineNanos;
    }

    int pollDescriptor() {
        return socket.pollDescriptor();
    }

    /** The {@code poll(2)} events this connection waits for now. */
    short interest() {
        short events = state == State.CLOSING ? 0 : LibcFiles.POLLIN;
        return out.isEmpty() ? events : (short) (events | LibcFiles.POLLOUT);
    }

    /**
     * {@code poll} reported {@code events} for this connection: send what waits, read what came. {@code scratch} is
     * the server's native buffer of one maximum frame (control thread only).
     */
    void onReady(short events, MemorySegment scratch) {
        if (!out.isEmpty() && (events & (LibcFiles.POLLOUT | LibcFiles.POLLERR | LibcFiles.POLLHUP)) != 0) {
            flush(scratch);
        }
        if (state == State.CLOSED) {
            return;
        }
        if (state == State.CLOSING) {
            if ((events & (LibcFiles.POLLERR | LibcFiles.POLLHUP)) != 0 && !out.isEmpty()) {
                peerGone("hung up before the reply was sent");
            }
            return;
        }
        if ((events & (LibcFiles.POLLIN | LibcFiles.POLLERR | LibcFiles.POLLHUP)) != 0) {
            readAndHandle(scratch);
        }
    }

    private void readAndHandle(MemorySegment scratch) {
        assert in.hasRemaining() : "a full buffer holds a whole frame, which was handled";
        UnixSocket.Received received;
        try {
            received = socket.receive(scratch, in.remaining(), false);
        } catch (IOException e) {
            peerGone("connection reset (" + e.getMessage() + ")");
            return;
        }
        if (received.descriptors().length > 0 || received.descriptorsTruncated()) {
            received.closeDescriptors();
            protocolError(new ControlProtocolException(ProtocolProblem.BAD_FIELD, "the peer sent "
                    + received.descriptors().length + " file descriptors; the manager accepts none"));
            return;
        }
        if (received.bytes() == UnixSocket.WOULD_BLOCK) {
            return;
        }
        if (received.bytes() == 0) {
            peerGone(in.position() == 0 ? "end of stream without DETACH"
                    : "end of stream without DETACH, " + in.position() + " bytes into a frame");
            return;
        }
        in.put(scratch.asSlice(0, received.bytes()).toArray(ValueLayout.JAVA_BYTE));
        in.flip();
        try {
            while (state == State.AWAITING_FIRST_FRAME || state == State.ATTACHED || state == State.OBSERVING) {
                if (in.remaining() < HEADER_LENGTH) {
                    break;
                }
                ControlCodec.Header header = ControlCodec.decodeHeader(in);
                if (in.remaining() < HEADER_LENGTH + header.bodyLength()) {
                    break;
                }
                ByteBuffer body = in.slice(in.position() + HEADER_LENGTH, header.bodyLength());
                in.position(in.position() + HEADER_LENGTH + header.bodyLength());
                handle(ControlCodec.decodeBody(header.type(), body));
            }
        } catch (ControlProtocolException e) {
            protocolError(e);
            return;
        }
        if (state == State.AWAITING_FIRST_FRAME || state == State.ATTACHED || state == State.OBSERVING) {
            in.compact();
        }
    }

    private void handle(ControlMessage message) throws ControlProtocolException {
        switch (state) {
            case AWAITING_FIRST_FRAME -> {
                switch (message) {
                    case AttachRequest request -> server.attach(this, request);
                    case ObserveRequest request -> server.observe(this, request);
                    default -> throw new ControlProtocolException(ProtocolProblem.UNEXPECTED_MESSAGE,
                            message.type() + " before ATTACH or OBSERVE");
                }
            }
            case ATTACHED, OBSERVING -> {
                if (!(message instanceof DetachRequest)) {
                    throw new ControlProtocolException(ProtocolProblem.UNEXPECTED_MESSAGE, message.type()
                            + (state == State.ATTACHED ? " from an attached worker (only DETACH may follow ATTACH)"
                            : " from an observer (only DETACH may follow OBSERVE)"));
                }
                reportDetach(System.nanoTime(), DetachReason.ORDERLY, "worker sent DETACH");
                sendThenClose(new DetachedReply());
            }
            default -> throw new AssertionError("frame handled in state " + state);
        }
    }

    /**
     * The handler granted the attach: the worker is attached from here on, even if the reply cannot be sent. The
     * descriptors (the handler's) go with the reply's first byte.
     */
    void attached(ControlSession granted, AttachedReply reply, int channelDescriptor, int statusDescriptor) {
        assert state == State.AWAITING_FIRST_FRAME : "attached in state " + state;
        session = granted;
        state = State.ATTACHED;
        send(reply, new int[] {channelDescriptor, statusDescriptor});
    }

    /** The handler let this tool observe: the status descriptor goes with the reply. */
    void observed(ObservedReply reply, int statusDescriptor) {
        assert state == State.AWAITING_FIRST_FRAME : "observed in state " + state;
        state = State.OBSERVING;
        send(reply, new int[] {statusDescriptor});
    }

    /** Sends a refusal and closes (the worker must reconnect to try again). */
    void refuse(Refusal refusal) {
        sendThenClose(refusal);
    }

    /**
     * The manager ends this attached session ({@link ControlServer#endSession}): the handler is told, the worker is
     * sent why (REFUSED, {@link RefusalCode#SESSION_ENDED}), and the connection closes once that is sent. Nothing if
     * the session is ending already (a DETACH, a protocol error, the peer's death): that end is the one reported.
     */
    void endByManager(String reason) {
        if (state != State.ATTACHED) {
            return;
        }
        reportDetach(System.nanoTime(), DetachReason.ENDED_BY_MANAGER, reason);
        sendThenClose(Refusal.truncating(RefusalCode.SESSION_ENDED, reason));
    }

    private void protocolError(ControlProtocolException e) {
        server.countProtocolError(this, e);
        // Best effort, one non-blocking send: tell the peer why before hanging up. A peer that does not read cannot
        // make us wait.
        try {
            server.sendOnce(socket, ControlCodec.encode(e.toRefusal()));
        } catch (IOException | RuntimeException ignored) {
            // the peer is gone or not reading; the close below is what matters
        }
        close(System.nanoTime(), DetachReason.PROTOCOL_ERROR, e.getMessage());
    }

    private void peerGone(String detail) {
        close(System.nanoTime(), DetachReason.PEER_DIED, detail);
    }

    /** The handshake deadline passed without a first frame, or a newer connection evicted this one. */
    void closeUnanswered(String detail) {
        assert state == State.AWAITING_FIRST_FRAME || state == State.OBSERVING;
        close(System.nanoTime(), DetachReason.PROTOCOL_ERROR, detail);
    }

    private void send(ControlMessage message, int[] descriptors) {
        out.add(new Outgoing(ControlCodec.encode(message), descriptors));
        if (out.size() == 1) {
            flush(server.scratch());
        }
    }

    private void sendThenClose(ControlMessage message) {
        state = State.CLOSING;
        send(message, NO_DESCRIPTORS);
        if (state == State.CLOSING && out.isEmpty()) {
            close(System.nanoTime(), DetachReason.ORDERLY, "reply sent");
        }
    }

    private void flush(MemorySegment scratch) {
        try {
            while (!out.isEmpty()) {
                Outgoing frame = out.peek();
                int length = frame.bytes.remaining();
                MemorySegment.copy(frame.bytes.array(), frame.bytes.arrayOffset() + frame.bytes.position(), scratch,
                        ValueLayout.JAVA_BYTE, 0, length);
                long sent = socket.send(scratch, length, false, frame.descriptors);
                if (sent == UnixSocket.WOULD_BLOCK) {
                    return;  // socket buffer full: poll asks for POLLOUT until it drains
                }
                frame.descriptors = NO_DESCRIPTORS;  // they went with the first byte sent
                frame.bytes.position(frame.bytes.position() + (int) sent);
                if (frame.bytes.hasRemaining()) {
                    return;
                }
                out.poll();
            }
        } catch (IOException e) {
            peerGone("send failed (" + e.getMessage() + ")");
            return;
        }
        if (state == State.CLOSING) {
            close(System.nanoTime(), DetachReason.ORDERLY, "reply sent");
        }
    }

    /**
     * Closes the socket and, if the worker was attached and its end not yet reported, reports it to the handler.
     * Idempotent.
     */
    void close(long detectedAtNanos, DetachReason reason, String detail) {
        if (state == State.CLOSED) {
            return;
        }
        state = State.CLOSED;
        out.clear();
        socket.close();
        server.closed(this);
        reportDetach(detectedAtNanos, reason, detail);
    }

    private void reportDetach(long detectedAtNanos, DetachReason reason, String detail) {
        if (session != null && !detachReported) {
            detachReported = true;
            session.ended(detectedAtNanos);
            server.detached(session, reason, detail);
        }
    }

    @Override
    public String toString() {
        if (session != null) {
            return session.toString();
        }
        return "connection " + number + " from pid " + peer.pid() + (state == State.OBSERVING ? " (observer)"
                : " (not attached)");
    }
}

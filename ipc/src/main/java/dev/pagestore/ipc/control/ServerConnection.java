package dev.pagestore.ipc.control;

import static dev.pagestore.ipc.control.ControlMessageDescriptor.HEADER_LENGTH;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;

/**
 * One accepted connection on the manager's control socket, driven by the {@link ControlServer}'s control thread
 * only (not thread-safe, never shared).
 *
 * <p>States: {@code AWAITING_ATTACH} (the first frame must be ATTACH, before the handshake deadline) →
 * {@code ATTACHED} (only DETACH may follow) → {@code CLOSING} (a REFUSED or DETACHED reply is being flushed; input is
 * no longer read) → {@code CLOSED}. Any protocol error closes the connection from any state.
 *
 * <p>Input is accumulated in a buffer of one maximum frame: a header is checked as soon as its 12 bytes are in, so a
 * bad magic, version, type or length is refused before its body is waited for, and a complete frame always fits.
 */
final class ServerConnection {
    enum State { AWAITING_ATTACH, ATTACHED, CLOSING, CLOSED }

    private final ControlServer server;
    private final SocketChannel channel;
    private final long number;
    private final long connectedAtNanos;
    private final long handshakeDeadlineNanos;
    private final ByteBuffer in = ByteBuffer.allocate(ControlMessageDescriptor.FRAME_LENGTH_MAX)
            .order(ControlMessageDescriptor.BYTE_ORDER);
    private final ArrayDeque<ByteBuffer> out = new ArrayDeque<>();
    private SelectionKey key;
    private State state = State.AWAITING_ATTACH;
    private ControlSession session;
    private boolean detachReported;

    ServerConnection(ControlServer server, SocketChannel channel, long number, long connectedAtNanos,
                     long handshakeDeadlineNanos) {
        this.server = server;
        this.channel = channel;
        this.number = number;
        this.connectedAtNanos = connectedAtNanos;
        this.handshakeDeadlineNanos = handshakeDeadlineNanos;
    }

    void registered(SelectionKey selectionKey) {
        key = selectionKey;
    }

    State state() {
        return state;
    }

    /** The attached session, or {@code null} for a connection that has not (or never) attached. */
    ControlSession session() {
        return session;
    }

    long connectedAtNanos() {
        return connectedAtNanos;
    }

    long handshakeDeadlineNanos() {
        return handshakeDeadlineNanos;
    }

    /** The selector says this connection can be read or written. */
    void onReady() {
        if (key.isValid() && key.isWritable()) {
            flush();
        }
        if (state != State.CLOSED && key.isValid() && key.isReadable()) {
            readAndHandle();
        }
    }

    private void readAndHandle() {
        int read;
        try {
            read = channel.read(in);
        } catch (IOException e) {
            peerGone("connection reset (" + e.getMessage() + ")");
            return;
        }
        if (read < 0) {
            peerGone(in.position() == 0 ? "end of stream without DETACH"
                    : "end of stream without DETACH, " + in.position() + " bytes into a frame");
            return;
        }
        in.flip();
        try {
            while (state == State.AWAITING_ATTACH || state == State.ATTACHED) {
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
        if (state == State.AWAITING_ATTACH || state == State.ATTACHED) {
            in.compact();
        }
    }

    private void handle(ControlMessage message) throws ControlProtocolException {
        switch (state) {
            case AWAITING_ATTACH -> {
                if (!(message instanceof AttachRequest request)) {
                    throw new ControlProtocolException(ProtocolProblem.UNEXPECTED_MESSAGE,
                            message.type() + " before ATTACH");
                }
                server.attach(this, request);
            }
            case ATTACHED -> {
                if (!(message instanceof DetachRequest)) {
                    throw new ControlProtocolException(ProtocolProblem.UNEXPECTED_MESSAGE,
                            message.type() + " from an attached worker (only DETACH may follow ATTACH)");
                }
                reportDetach(System.nanoTime(), DetachReason.ORDERLY, "worker sent DETACH");
                sendThenClose(new DetachedReply());
            }
            default -> throw new AssertionError("frame handled in state " + state);
        }
    }

    /** The handler granted the attach: the worker is attached from here on, even if the reply cannot be sent. */
    void attached(ControlSession granted, AttachedReply reply) {
        assert state == State.AWAITING_ATTACH : "attached in state " + state;
        session = granted;
        state = State.ATTACHED;
        send(reply);
    }

    /** Sends a refusal and closes (the worker must reconnect to try again). */
    void refuse(Refusal refusal) {
        sendThenClose(refusal);
    }

    private void protocolError(ControlProtocolException e) {
        server.countProtocolError(this, e);
        // Best effort, one non-blocking write: tell the peer why before hanging up. A peer that does not read
        // cannot make us wait.
        try {
            channel.write(ControlCodec.encode(e.toRefusal()));
        } catch (IOException ignored) {
            // the peer is gone or not reading; the close below is what matters
        }
        close(System.nanoTime(), DetachReason.PROTOCOL_ERROR, e.getMessage());
    }

    private void peerGone(String detail) {
        close(System.nanoTime(), DetachReason.PEER_DIED, detail);
    }

    /** The handshake deadline passed without an ATTACH. */
    void handshakeExpired(String detail) {
        assert state == State.AWAITING_ATTACH;
        close(System.nanoTime(), DetachReason.PROTOCOL_ERROR, detail);
    }

    private void send(ControlMessage message) {
        ByteBuffer frame = ControlCodec.encode(message);
        if (out.isEmpty()) {
            try {
                channel.write(frame);
            } catch (IOException e) {
                peerGone("write failed (" + e.getMessage() + ")");
                return;
            }
        }
        if (frame.hasRemaining()) {
            out.add(frame);
            key.interestOps(key.interestOps() | SelectionKey.OP_WRITE);
        }
    }

    private void sendThenClose(ControlMessage message) {
        state = State.CLOSING;
        key.interestOps(key.interestOps() & ~SelectionKey.OP_READ);
        send(message);
        if (state == State.CLOSING && out.isEmpty()) {
            close(System.nanoTime(), DetachReason.ORDERLY, "reply sent");
        }
    }

    private void flush() {
        try {
            while (!out.isEmpty()) {
                ByteBuffer frame = out.peek();
                channel.write(frame);
                if (frame.hasRemaining()) {
                    return;  // socket buffer full: wait for the next OP_WRITE
                }
                out.poll();
            }
        } catch (IOException e) {
            peerGone("write failed (" + e.getMessage() + ")");
            return;
        }
        key.interestOps(key.interestOps() & ~SelectionKey.OP_WRITE);
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
        State previous = state;
        state = State.CLOSED;
        key.cancel();
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing a socket whose peer is gone; nothing to recover
        }
        server.closed(this, previous);
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
        return session != null ? session.toString() : "connection " + number + " (not attached)";
    }
}

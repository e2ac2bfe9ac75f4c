package dev.pagestore.ipc.control;

import dev.pagestore.ipc.linux.UnixSocket;
import dev.pagestore.ipc.linux.UnixSocketAddress;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A test peer that speaks raw bytes (and, if asked, descriptors) to a control socket, to send what a real client never
 * would. Descriptors it receives are closed.
 */
final class RawPeer implements AutoCloseable {
    private final UnixSocket socket;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment buffer = arena.allocate(8192);
    private int descriptorsReceived;

    private RawPeer(UnixSocket socket) {
        this.socket = socket;
    }

    static RawPeer connect(Path socketPath) throws IOException {
        return new RawPeer(UnixSocket.connect(UnixSocketAddress.ofPath(socketPath), Duration.ofSeconds(10)));
    }

    /** Sends {@code bytes}, with {@code descriptors} on the first byte. */
    void send(ByteBuffer bytes, int... descriptors) throws IOException {
        byte[] copy = new byte[bytes.remaining()];
        bytes.get(copy);
        MemorySegment.copy(copy, 0, buffer, ValueLayout.JAVA_BYTE, 0, copy.length);
        long sent = 0;
        while (sent < copy.length) {
            sent += socket.send(buffer.asSlice(sent), copy.length - sent, true, sent == 0 ? descriptors : new int[0]);
        }
    }

    void send(ControlMessage message) throws IOException {
        send(ControlCodec.encode(message));
    }

    /**
     * Reads until the server closes the connection, or until {@code timeout}; returns what arrived and whether the
     * end of stream was seen.
     */
    Received readUntilEof(Duration timeout) throws IOException {
        return read(timeout, Integer.MAX_VALUE);
    }

    /** Reads until {@code frames} whole frames have arrived, the stream ends, or {@code timeout}. */
    Received read(Duration timeout, int frames) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (countFrames(bytes.toByteArray()) >= frames) {
                return new Received(bytes.toByteArray(), false);
            }
            long left = deadline - System.nanoTime();
            if (left <= 0 || !socket.awaitReadable((int) Math.max(1, left / 1_000_000))) {
                if (deadline - System.nanoTime() <= 0) {
                    return new Received(bytes.toByteArray(), false);
                }
                continue;
            }
            UnixSocket.Received received;
            try {
                received = socket.receive(buffer, buffer.byteSize(), false);
            } catch (IOException e) {
                return new Received(bytes.toByteArray(), true);  // reset counts as the end
            }
            descriptorsReceived += received.descriptors().length;
            received.closeDescriptors();
            if (received.bytes() == 0) {
                return new Received(bytes.toByteArray(), true);
            }
            if (received.bytes() > 0) {
                bytes.write(buffer.asSlice(0, received.bytes()).toArray(ValueLayout.JAVA_BYTE));
            }
        }
    }

    /** Descriptors that arrived (and were closed) so far. */
    int descriptorsReceived() {
        return descriptorsReceived;
    }

    private static int countFrames(byte[] bytes) {
        int count = 0;
        int offset = 0;
        while (bytes.length - offset >= ControlMessageDescriptor.HEADER_LENGTH) {
            int length = ByteBuffer.wrap(bytes, offset, bytes.length - offset).getInt(
                    offset + ControlMessageDescriptor.BODY_LENGTH_OFFSET);
            if (length < 0 || bytes.length - offset - ControlMessageDescriptor.HEADER_LENGTH < length) {
                break;
            }
            offset += ControlMessageDescriptor.HEADER_LENGTH + length;
            count++;
        }
        return count;
    }

    @Override
    public void close() {
        socket.close();
        arena.close();
    }

    /** Bytes received and whether the server closed the connection. */
    record Received(byte[] bytes, boolean eof) {
        /** The whole frames received, decoded. */
        List<ControlMessage> messages() throws ControlProtocolException {
            List<ControlMessage> messages = new ArrayList<>();
            ByteBuffer in = ByteBuffer.wrap(bytes);
            while (in.remaining() >= ControlMessageDescriptor.HEADER_LENGTH) {
                ControlCodec.Header header = ControlCodec.decodeHeader(in);
                int frameLength = ControlMessageDescriptor.HEADER_LENGTH + header.bodyLength();
                if (in.remaining() < frameLength) {
                    break;
                }
                ByteBuffer frame = in.slice(in.position(), frameLength);
                in.position(in.position() + frame.remaining());
                messages.add(ControlCodec.decode(frame));
            }
            return messages;
        }
    }
}

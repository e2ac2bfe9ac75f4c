package dev.pagestore.ipc.control;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A test peer that speaks raw bytes to a control socket, to send what a real client never would. */
final class RawPeer implements AutoCloseable {
    private final SocketChannel channel;

    private RawPeer(SocketChannel channel) {
        this.channel = channel;
    }

    static RawPeer connect(Path socketPath) throws IOException {
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        channel.connect(UnixDomainSocketAddress.of(socketPath));
        return new RawPeer(channel);
    }

    void send(ByteBuffer bytes) throws IOException {
        while (bytes.hasRemaining()) {
            channel.write(bytes);
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
        channel.configureBlocking(false);
        try (Selector selector = Selector.open()) {
            channel.register(selector, SelectionKey.OP_READ);
            ByteBuffer buffer = ByteBuffer.allocate(8192);
            while (true) {
                if (countFrames(bytes.toByteArray()) >= frames) {
                    return new Received(bytes.toByteArray(), false);
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return new Received(bytes.toByteArray(), false);
                }
                selector.select(Math.max(1, left / 1_000_000));
                selector.selectedKeys().clear();
                buffer.clear();
                int read;
                try {
                    read = channel.read(buffer);
                } catch (IOException e) {
                    return new Received(bytes.toByteArray(), true);  // reset counts as the end
                }
                if (read < 0) {
                    return new Received(bytes.toByteArray(), true);
                }
                bytes.write(buffer.array(), 0, read);
            }
        }
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
    public void close() throws IOException {
        channel.close();
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
                ByteBuffer frame = in.slice(in.position(), frameLength);
                in.position(in.position() + frame.remaining());
                messages.add(ControlCodec.decode(frame));
            }
            return messages;
        }
    }
}

package dev.pagestore.bench.ring;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/**
 * The other process of the Unix-socket round-trip peer: connects to {@code PATH} and echoes every 64-byte message
 * until the socket closes. Blocking I/O, as a worker talking to a server over a socket would do it.
 */
public final class UnixSocketEchoMain {
    private UnixSocketEchoMain() {
    }

    public static void main(String[] args) throws Exception {
        try (SocketChannel socket = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            socket.connect(UnixDomainSocketAddress.of(Path.of(args[0])));
            System.out.println("ready");
            System.out.flush();
            ByteBuffer message = ByteBuffer.allocateDirect(AgronaShmRings.MESSAGE_BYTES);
            while (true) {
                message.clear();
                while (message.hasRemaining()) {
                    if (socket.read(message) < 0) {
                        return;
                    }
                }
                message.flip();
                while (message.hasRemaining()) {
                    socket.write(message);
                }
            }
        }
    }
}

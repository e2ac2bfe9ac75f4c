package dev.pagestore.ipc.control;

import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A hostile process for the handshake-fairness tests: {@code SOCKET IDLE DRIBBLING}. Opens IDLE connections that
 * never send a byte and DRIBBLING ones that send one byte of a valid ATTACH every 100 ms, keeps them open, prints
 * {@code HELD n} with how many it could open, then {@code CLOSED i} when the manager closes connection i (in opening
 * order), until killed. Plain JDK sockets: it needs nothing of pagestore but the frame it dribbles.
 */
public final class IdleConnectionsMain {
    private IdleConnectionsMain() {
    }

    public static void main(String[] args) throws Exception {
        Path socket = Path.of(args[0]);
        int idle = Integer.parseInt(args[1]);
        int dribbling = Integer.parseInt(args[2]);
        List<SocketChannel> connections = new ArrayList<>();
        for (int i = 0; i < idle + dribbling; i++) {
            try {
                SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
                channel.connect(UnixDomainSocketAddress.of(socket));
                channel.configureBlocking(false);
                connections.add(channel);
            } catch (Exception e) {
                System.err.println("connection " + i + " failed: " + e);
            }
        }
        System.out.println("HELD " + connections.size());
        System.out.flush();
        ByteBuffer attach = ControlCodec.encode(AttachRequest.fromCurrentProcess(4096, 64, "dribbler"));
        boolean[] closed = new boolean[connections.size()];
        int[] sent = new int[connections.size()];
        OutputStream out = System.out;
        try (Selector selector = Selector.open()) {
            for (int i = 0; i < connections.size(); i++) {
                connections.get(i).register(selector, SelectionKey.OP_READ, i);
            }
            long nextDribble = System.nanoTime();
            while (true) {
                selector.select(20);
                for (SelectionKey key : selector.selectedKeys()) {
                    int i = (Integer) key.attachment();
                    int read;
                    try {
                        read = connections.get(i).read(ByteBuffer.allocate(256));
                    } catch (Exception e) {
                        read = -1;
                    }
                    if (read < 0 && !closed[i]) {
                        closed[i] = true;
                        key.cancel();
                        out.write(("CLOSED " + i + "\n").getBytes());
                        out.flush();
                    }
                }
                selector.selectedKeys().clear();
                if (System.nanoTime() - nextDribble >= 0) {
                    nextDribble = System.nanoTime() + 100_000_000L;
                    for (int i = idle; i < connections.size(); i++) {
                        if (!closed[i] && sent[i] < attach.limit() - 1) {
                            try {
                                connections.get(i).write(attach.slice(sent[i], 1));
                                sent[i]++;
                            } catch (Exception e) {
                                // closed by the manager: the read above reports it
                            }
                        }
                    }
                }
            }
        }
    }
}

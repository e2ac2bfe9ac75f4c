package dev.pagestore.it;

import dev.pagestore.ipc.control.AttachRequest;
import dev.pagestore.ipc.control.ControlClient;
import dev.pagestore.ipc.linux.ProcessIdentity;
import dev.pagestore.ipc.linux.LibcFiles;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A process that does one thing a worker can do at will, {@code args[2]} times, to the manager's control socket
 * {@code args[0]}, then prints {@code DONE mode count millis}:
 * <ul>
 *   <li>{@code garbage}: connects, sends bytes that are no frame, reads the manager's answer until it hangs up;</li>
 *   <li>{@code cycle}: attaches and detaches, as a worker that restarts in a loop;</li>
 *   <li>{@code liar}: the same, claiming to be pid 1.</li>
 * </ul>
 * Each is answered (a REFUSED, a grant), so the loop runs as fast as the manager serves it.
 */
public final class ControlFloodMain {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private ControlFloodMain() {
    }

    public static void main(String[] args) throws Exception {
        Path socket = Path.of(args[0]);
        String mode = args[1];
        int count = Integer.parseInt(args[2]);
        System.out.println("STARTED " + mode);
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            switch (mode) {
                case "garbage" -> garbage(socket, i);
                case "cycle" -> cycle(socket, AttachRequest.fromCurrentProcess(0, 0, "cycle-" + i));
                case "liar" -> cycle(socket, new AttachRequest(new ProcessIdentity(1,
                        ProcessIdentity.UNKNOWN_START_TIME), 0, 0, "liar-" + i));
                default -> throw new IllegalArgumentException("mode " + mode);
            }
        }
        System.out.println("DONE " + mode + " " + count + " " + (System.nanoTime() - start) / 1_000_000);
        System.out.flush();
    }

    private static void garbage(Path socket, int i) throws Exception {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            channel.write(ByteBuffer.wrap(("GET /" + i + " HTTP/1.0\r\n\r\n").getBytes(StandardCharsets.US_ASCII)));
            ByteBuffer answer = ByteBuffer.allocate(2048);
            try {
                while (channel.read(answer.clear()) >= 0) {
                    // the manager's REFUSED, then its close
                }
            } catch (IOException e) {
                // a reset: the manager closed with some of our bytes unread, after its REFUSED
            }
        }
    }

    private static void cycle(Path socket, AttachRequest request) throws Exception {
        ControlClient client = ControlClient.attach(socket, request, event -> {
        }, TIMEOUT);
        LibcFiles.close(client.takeChannelDescriptor());
        LibcFiles.close(client.takeStatusDescriptor());
        client.detach(TIMEOUT);
    }
}

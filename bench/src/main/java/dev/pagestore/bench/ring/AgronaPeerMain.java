package dev.pagestore.bench.ring;

import java.nio.file.Path;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The other process of the Agrona benchmarks. {@code drain FILE RINGBYTES} consumes every request in batches until
 * it reads a stop message; {@code echo FILE RINGBYTES} copies each request to the reply ring (busy-spin both ways).
 */
public final class AgronaPeerMain {
    private AgronaPeerMain() {
    }

    public static void main(String[] args) throws Exception {
        boolean echo = args[0].equals("echo");
        try (AgronaShmRings rings = AgronaShmRings.map(Path.of(args[1]), Integer.parseInt(args[2]))) {
            System.out.println("ready");
            System.out.flush();
            boolean[] stop = {false};
            UnsafeBuffer copy = new UnsafeBuffer(new byte[AgronaShmRings.MESSAGE_BYTES]);
            while (!stop[0]) {
                int read = rings.requests.read((type, buffer, index, length) -> {
                    if (type == AgronaShmRings.STOP_TYPE) {
                        stop[0] = true;
                    } else if (echo) {
                        copy.putBytes(0, buffer, index, length);
                        while (!rings.replies.write(AgronaShmRings.MESSAGE_TYPE, copy, 0, length)) {
                            Thread.onSpinWait();
                        }
                    }
                }, 256);
                if (read == 0) {
                    Thread.onSpinWait();
                }
            }
        }
    }
}

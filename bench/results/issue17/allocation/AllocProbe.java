import dev.pagestore.client.*;
import java.lang.foreign.*;
import java.lang.management.*;
import java.nio.file.Path;
import java.time.Duration;
import java.util.*;

public class AllocProbe {
    public static void main(String[] a) throws Exception {
        Path dir = Path.of(a[0]); boolean write = a[1].equals("write"); int n = Integer.parseInt(a[2]);
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (Arena arena = Arena.ofConfined(); PageStoreClient c = PageStoreClient.attach(dir, ClientOptions.defaults())) {
            MemorySegment buf = arena.allocate(4096, 4096);
            Duration t = Duration.ofSeconds(10);
            for (int round = 0; round < 4; round++) {
                Map<Long, Long> before = snap(mx);
                long t0 = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    if (write) c.write(i & 1023, buf, t); else c.read(i & 1023, buf, t);
                }
                long t1 = System.nanoTime();
                Map<Long, Long> after = snap(mx);
                System.out.printf("round %d: %d ops in %.2f s%n", round, n, (t1 - t0) / 1e9);
                for (Thread th : Thread.getAllStackTraces().keySet()) {
                    long d = after.getOrDefault(th.threadId(), 0L) - before.getOrDefault(th.threadId(), 0L);
                    if (d > 0) System.out.printf("   %-45s %10d bytes  %.3f B/op%n", th.getName(), d, (double) d / n);
                }
            }
        }
    }
    static Map<Long, Long> snap(com.sun.management.ThreadMXBean mx) {
        Map<Long, Long> m = new HashMap<>();
        for (Thread th : Thread.getAllStackTraces().keySet()) m.put(th.threadId(), mx.getThreadAllocatedBytes(th.threadId()));
        return m;
    }
}

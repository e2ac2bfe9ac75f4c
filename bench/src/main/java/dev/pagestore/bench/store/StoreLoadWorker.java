package dev.pagestore.bench.store;

import dev.pagestore.client.ClientOptions;
import dev.pagestore.client.PageStoreClient;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import org.HdrHistogram.Histogram;

/**
 * One worker process of {@link StoreLoad}: attaches through the public client, keeps {@code depth} requests
 * outstanding from its one owner thread (random pages, {@code readPercent} reads, the rest 4 KiB writes), and reports
 * what it did inside the measured window as one line on stdout.
 *
 * <p>Arguments: directory, worker index, depth, read percent, pages, window start (epoch ms), window seconds, seed.
 * Output: {@code ready}, then {@code result ops=N cpuNanos=N p50Nanos=N p99Nanos=N errors=N}.
 */
public final class StoreLoadWorker {
    private StoreLoadWorker() {
    }

    public static void main(String[] args) throws Exception {
        Path directory = Path.of(args[0]);
        int worker = Integer.parseInt(args[1]);
        int depth = Integer.parseInt(args[2]);
        int readPercent = Integer.parseInt(args[3]);
        long pages = Long.parseLong(args[4]);
        long windowStartMillis = Long.parseLong(args[5]);
        long windowMillis = (long) (Double.parseDouble(args[6]) * 1000);
        SplittableRandom random = new SplittableRandom(Long.parseLong(args[7]) * 1_000_003L + worker);
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        System.out.println("ready");
        System.out.flush();
        ClientOptions options = ClientOptions.defaults().withClientName("load-" + worker)
                .withDefaultTimeout(Duration.ofSeconds(30)).withRingCapacity(Math.max(16,
                        Integer.highestOneBit(Math.max(1, depth) * 2 - 1)));
        try (PageStoreClient client = PageStoreClient.attach(directory, options)) {
            byte[] image = new byte[client.pageSizeBytes()];
            ArrayDeque<CompletableFuture<?>> inFlight = new ArrayDeque<>(depth);
            ArrayDeque<Long> started = new ArrayDeque<>(depth);
            Histogram latency = new Histogram(3_600_000_000_000L, 2);
            long ops = 0;
            long errors = 0;
            long cpuStart = -1;
            long end = windowStartMillis + windowMillis;
            long sequence = 0;
            while (true) {
                long now = System.currentTimeMillis();
                boolean measuring = now >= windowStartMillis;
                if (measuring && cpuStart < 0) {
                    cpuStart = os.getProcessCpuTime();
                    latency.reset();
                    ops = 0;
                    errors = 0;
                }
                if (now >= end) {
                    break;
                }
                while (inFlight.size() < depth) {
                    long page = random.nextLong(pages);
                    started.add(System.nanoTime());
                    if (random.nextInt(100) < readPercent) {
                        inFlight.add(client.readAsync(page));
                    } else {
                        ByteBuffer.wrap(image).putLong(0, page).putLong(8, ++sequence);
                        inFlight.add(client.writeAsync(page, image));
                    }
                }
                CompletableFuture<?> oldest = inFlight.poll();
                long startNanos = started.poll();
                try {
                    oldest.join();
                    latency.recordValue(Math.max(1, System.nanoTime() - startNanos));
                    ops++;
                } catch (RuntimeException e) {
                    errors++;
                }
            }
            long cpuNanos = os.getProcessCpuTime() - cpuStart;
            for (CompletableFuture<?> f : inFlight) {
                try {
                    f.join();
                } catch (RuntimeException ignored) {
                    // outside the window
                }
            }
            System.out.printf("result ops=%d cpuNanos=%d p50Nanos=%d p99Nanos=%d errors=%d%n", ops, cpuNanos,
                    latency.getValueAtPercentile(50), latency.getValueAtPercentile(99), errors);
            System.out.flush();
        }
    }
}

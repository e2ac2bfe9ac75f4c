package dev.pagestore.bench;

import dev.pagestore.client.ClientOptions;
import dev.pagestore.client.PageStore;
import dev.pagestore.client.PageStoreClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * Many virtual threads through a few shared clients against a few platform threads with a client each: synchronous
 * 4 KiB reads of random pages from a running manager, the two ways alternating in one worker process. Prints each
 * window's reads per second, the CPU per read of this process and (given its pid) of the manager, the process's live
 * threads and the channels it has mapped.
 *
 * <pre>
 * bin/pagestore manager --dir DIR --create --capacity-pages 16384 &amp;
 * java --enable-native-access=ALL-UNNAMED -cp bench/target/benchmarks.jar dev.pagestore.bench.SharedClientBench \
 *     DIR [virtualThreads=1000] [channels=4] [platformThreads=4] [seconds=10] [passes=3] [managerPid]
 * </pre>
 */
public final class SharedClientBench {
    /** The manager's pid, for its CPU per read; -1 when not given. */
    private static long managerPid = -1;

    private SharedClientBench() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: SharedClientBench DIR [virtualThreads [channels [platformThreads [seconds"
                    + " [passes]]]]]");
            System.exit(2);
        }
        Path dir = Path.of(args[0]);
        int virtualThreads = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
        int channels = args.length > 2 ? Integer.parseInt(args[2]) : 4;
        int platformThreads = args.length > 3 ? Integer.parseInt(args[3]) : 4;
        int seconds = args.length > 4 ? Integer.parseInt(args[4]) : 10;
        int passes = args.length > 5 ? Integer.parseInt(args[5]) : 3;
        managerPid = args.length > 6 ? Long.parseLong(args[6]) : -1;
        System.out.printf("# %d virtual threads through %d shared channels vs %d platform threads with a client"
                + " each; %d s windows after 3 s of warm-up, %d passes%n", virtualThreads, channels, platformThreads,
                seconds, passes);
        for (int pass = 1; pass <= passes; pass++) {
            boolean virtualFirst = pass % 2 == 1;
            for (int k = 0; k < 2; k++) {
                if (virtualFirst == (k == 0)) {
                    runVirtual(dir, virtualThreads, channels, seconds, pass);
                } else {
                    runPlatform(dir, platformThreads, seconds, pass);
                }
            }
        }
    }

    private static void runVirtual(Path dir, int threads, int channels, int seconds, int pass) throws Exception {
        try (PageStore store = PageStore.open(dir, ClientOptions.defaults(), channels)) {
            long capacity = store.capacityPages();
            Result r = measure(threads, seconds, true, i -> store.client(), capacity);
            report("virtual", pass, threads, r);
        }
    }

    private static void runPlatform(Path dir, int threads, int seconds, int pass) throws Exception {
        long capacity;
        try (PageStore probe = PageStore.open(dir, ClientOptions.defaults(), 1)) {
            capacity = probe.capacityPages();
        }
        // Each platform thread attaches its own client on its own thread, as a per-thread worker does.
        List<PageStoreClient> clients = java.util.Collections.synchronizedList(new ArrayList<>());
        try {
            Result r = measure(threads, seconds, false, i -> {
                PageStoreClient c = PageStoreClient.attach(dir, ClientOptions.defaults());
                clients.add(c);
                return c;
            }, capacity);
            report("platform", pass, threads, r);
        } finally {
            for (PageStoreClient c : clients) {
                c.close();
            }
        }
    }

    @FunctionalInterface
    private interface ClientFor {
        PageStoreClient get(int thread) throws IOException;
    }

    private record Result(double readsPerSecond, double workerMicrosPerRead, double managerMicrosPerRead,
            long liveThreads, long channels) {
    }

    private static Result measure(int threads, int seconds, boolean virtual, ClientFor clientFor, long capacity)
            throws Exception {
        LongAdder reads = new LongAdder();
        AtomicBoolean counting = new AtomicBoolean();
        AtomicBoolean stop = new AtomicBoolean();
        List<java.util.concurrent.Future<?>> running = new ArrayList<>();
        long[] snapshot = new long[2];
        try (ExecutorService executor = virtual ? Executors.newVirtualThreadPerTaskExecutor()
                : Executors.newFixedThreadPool(threads)) {
            for (int t = 0; t < threads; t++) {
                int thread = t;
                running.add(executor.submit(() -> {
                    PageStoreClient client = clientFor.get(thread);
                    SplittableRandom random = new SplittableRandom(thread);
                    while (!stop.get()) {
                        client.read(random.nextLong(capacity));
                        if (counting.get()) {
                            reads.increment();
                        }
                    }
                    return null;
                }));
            }
            Thread.sleep(3_000);
            com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean)
                    java.lang.management.ManagementFactory.getOperatingSystemMXBean();
            counting.set(true);
            long start = System.nanoTime();
            long workerCpuStart = os.getProcessCpuTime();
            long managerCpuStart = managerCpuNanos();
            Thread.sleep(seconds * 1000L);
            counting.set(false);
            long elapsed = System.nanoTime() - start;
            long workerCpu = os.getProcessCpuTime() - workerCpuStart;
            long managerCpu = managerCpuNanos() - managerCpuStart;
            snapshot[0] = Thread.getAllStackTraces().size();
            snapshot[1] = mappedChannels();
            stop.set(true);
            for (java.util.concurrent.Future<?> f : running) {
                f.get();
            }
            long n = Math.max(1, reads.sum());
            return new Result(reads.sum() * 1e9 / elapsed, workerCpu / 1e3 / n,
                    managerPid < 0 ? Double.NaN : managerCpu / 1e3 / n, snapshot[0], snapshot[1]);
        }
    }

    private static void report(String mode, int pass, int threads, Result r) {
        System.out.printf("pass %d %-8s threads=%-5d reads/s=%,10.0f cpu/read: worker %.1f us, manager %.1f us"
                + "  live platform threads=%d mapped memfds=%d%n", pass, mode, threads, r.readsPerSecond(),
                r.workerMicrosPerRead(), r.managerMicrosPerRead(), r.liveThreads(), r.channels());
    }

    /** The manager's user + system CPU from /proc (clock ticks of 10 ms), 0 when no pid was given. */
    private static long managerCpuNanos() throws IOException {
        if (managerPid < 0) {
            return 0;
        }
        String stat = Files.readString(Path.of("/proc/" + managerPid + "/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * 10_000_000L;
    }

    /** Distinct memfd inodes this process has mapped: each client maps its channel and the status region. */
    private static long mappedChannels() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/maps")).stream().filter(l -> l.contains("/memfd:"))
                .map(l -> l.trim().split("\\s+")[4]).distinct().count();
    }
}

package dev.pagestore.bench;

import dev.pagestore.nvme.uring.CqeHandler;
import dev.pagestore.nvme.uring.CompletionStatus;
import dev.pagestore.nvme.uring.DirectIoFile;
import dev.pagestore.nvme.uring.IoUring;
import dev.pagestore.nvme.uring.IoUringOptions;
import dev.pagestore.nvme.uring.RingFile;
import dev.pagestore.nvme.uring.UringOp;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.HdrHistogram.Histogram;

/**
 * Drives one {@link IoUring} directly with random block I/O at a fixed queue depth, the way fio's io_uring engine
 * does, so the two can be compared on the same file ({@code bench/compare-fio.sh}).
 *
 * <p>Loop shape: keep {@code qd} operations in flight; each iteration is one {@code io_uring_enter} that submits the
 * operations re-prepared by the previous batch's handlers and waits for at least one completion, then one
 * {@code reap} of everything ready. Latency is measured per operation from prepare to reap (fio's {@code lat}).
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp bench/target/benchmarks.jar dev.pagestore.bench.UringLoadDriver \
 *     --file /path/on/disk/data.bin --mode randread --qd 32 --seconds 10 --repetitions 3 --fixed true
 * </pre>
 *
 * {@code --api queuepair} runs the same load through the product path instead ({@link QueuePairLoadDriver}:
 * {@code IoUringBlockDevice} and its {@code QueuePair}).
 *
 * Prints one {@code RESULT} line per repetition and a {@code MEDIAN} line (medians of each figure) as
 * {@code key=value} pairs. The file must exist with real data (reads of unwritten extents never reach the device).
 */
public final class UringLoadDriver {
    private static final long LATENCY_MAX_NANOS = 10_000_000_000L;

    private final DirectIoFile file;
    private final boolean write;
    private final int queueDepth;
    private final int blockBytes;
    private final long blockCount;
    private final boolean fixed;
    private final long seed;
    private final boolean singleIssuer;

    private UringLoadDriver(DirectIoFile file, boolean write, int queueDepth, int blockBytes, boolean fixed, long seed,
                            boolean singleIssuer) {
        this.file = file;
        this.write = write;
        this.queueDepth = queueDepth;
        this.blockBytes = blockBytes;
        this.blockCount = file.sizeBytes() / blockBytes;
        this.fixed = fixed;
        this.seed = seed;
        this.singleIssuer = singleIssuer;
    }

    /** One measured window. */
    record Figures(double iops, double meanMicros, double p99Micros, double processCpuMicrosPerIo,
                   double threadCpuMicrosPerIo, long ios, long enterCalls) {
        String format() {
            return String.format(Locale.ROOT,
                    "iops=%.0f mean_us=%.2f p99_us=%.2f cpu_us_per_io=%.3f thread_cpu_us_per_io=%.3f ios=%d "
                            + "enters=%d", iops, meanMicros, p99Micros, processCpuMicrosPerIo, threadCpuMicrosPerIo,
                    ios, enterCalls);
        }
    }

    /** Completion side of the loop: records latency and immediately re-prepares the slot (no allocation). */
    private final class Slots implements CqeHandler {
        final IoUring ring;
        final RingFile ringFile;
        final MemorySegment[] buffers;
        final long[] startNanos;
        final SplittableRandom random = new SplittableRandom(seed);
        final Histogram histogram = new Histogram(LATENCY_MAX_NANOS, 3);
        long completed;
        boolean refill = true;

        Slots(IoUring ring, RingFile ringFile, MemorySegment slab) {
            this.ring = ring;
            this.ringFile = ringFile;
            this.buffers = new MemorySegment[queueDepth];
            this.startNanos = new long[queueDepth];
            for (int i = 0; i < queueDepth; i++) {
                buffers[i] = slab.asSlice((long) i * blockBytes, blockBytes);
            }
        }

        void start(int slot) {
            long offset = random.nextLong(blockCount) * blockBytes;
            startNanos[slot] = System.nanoTime();
            boolean prepared = write
                    ? ring.sq().prepareWrite(ringFile, buffers[slot], offset, slot)
                    : ring.sq().prepareRead(ringFile, buffers[slot], offset, slot);
            if (!prepared) {
                throw new IllegalStateException("queue full at depth " + queueDepth + "; ring " + ring);
            }
        }

        @Override
        public void onCompletion(long callerId, UringOp op, int result) {
            int slot = (int) callerId;
            long now = System.nanoTime();
            if (result != blockBytes) {
                throw new IllegalStateException(CompletionStatus.describe(op, result) + " (expected " + blockBytes
                        + " bytes); status " + CompletionStatus.of(op, result));
            }
            histogram.recordValue(Math.min(now - startNanos[slot], LATENCY_MAX_NANOS));
            completed++;
            if (refill) {
                start(slot);
            }
        }
    }

    private Figures[] run(int warmupSeconds, int seconds, int repetitions) throws Exception {
        int entries = Integer.highestOneBit(Math.max(1, queueDepth - 1)) << 1;
        entries = Math.max(entries, queueDepth);
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        try (Arena arena = Arena.ofConfined();
             IoUring ring = IoUring.open(IoUringOptions.of(entries).withSetupFlags(singleIssuer, singleIssuer))) {
            MemorySegment slab = arena.allocate((long) queueDepth * blockBytes,
                    Math.max(4096, file.alignment().memoryAlignBytes()));
            SplittableRandom fill = new SplittableRandom(seed ^ 0x9e3779b97f4a7c15L);
            for (long i = 0; i < slab.byteSize(); i += 8) {
                slab.set(ValueLayout.JAVA_LONG, i, fill.nextLong());
            }
            RingFile ringFile = RingFile.unregistered(file.fd());
            if (fixed) {
                ringFile = ring.registrations().registerFiles(file.fd())[0];
                if (!ring.registrations().registerBuffers(slab)) {
                    System.err.println("WARNING: fixed buffers refused (" + ring.registrations().bufferRegistrationFailure()
                            + "); measuring the unregistered fallback");
                }
            }
            System.err.printf(Locale.ROOT, "ring %s, file %s, %s qd=%d bs=%d fixed=%s%n", ring, file.path(),
                    write ? "randwrite" : "randread", queueDepth, blockBytes, fixed);
            Slots slots = new Slots(ring, ringFile, slab);
            for (int slot = 0; slot < queueDepth; slot++) {
                slots.start(slot);
            }
            measure(ring, slots, warmupSeconds, threads, os);
            Figures[] figures = new Figures[repetitions];
            for (int rep = 0; rep < repetitions; rep++) {
                figures[rep] = measure(ring, slots, seconds, threads, os);
                System.out.println("RESULT mode=" + (write ? "randwrite" : "randread") + " qd=" + queueDepth
                        + " fixed=" + fixed + " rep=" + (rep + 1) + " " + figures[rep].format());
            }
            slots.refill = false;
            while (ring.inFlight() > 0 || ring.prepared() > 0) {
                ring.submitAndWait(Math.min(1, ring.inFlight() + ring.prepared()));
                ring.reap(queueDepth, slots);
            }
            return figures;
        }
    }

    private Figures measure(IoUring ring, Slots slots, int seconds, ThreadMXBean threads,
                            com.sun.management.OperatingSystemMXBean os) {
        slots.histogram.reset();
        long completedBefore = slots.completed;
        long entersBefore = ring.stats().enterCalls();
        long threadCpuBefore = threads.getCurrentThreadCpuTime();
        long processCpuBefore = os.getProcessCpuTime();
        long start = System.nanoTime();
        long deadline = start + seconds * 1_000_000_000L;
        long now = start;
        while (now - deadline < 0) {
            ring.submitAndWait(1);
            ring.reap(queueDepth, slots);
            now = System.nanoTime();
        }
        long elapsed = now - start;
        long ios = slots.completed - completedBefore;
        double processCpuMicros = (os.getProcessCpuTime() - processCpuBefore) / 1000.0;
        double threadCpuMicros = (threads.getCurrentThreadCpuTime() - threadCpuBefore) / 1000.0;
        Histogram h = slots.histogram;
        return new Figures(ios * 1e9 / elapsed, h.getMean() / 1000.0, h.getValueAtPercentile(99.0) / 1000.0,
                processCpuMicros / ios, threadCpuMicros / ios, ios, ring.stats().enterCalls() - entersBefore);
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    static Figures median(Figures[] all) {
        return new Figures(
                median(Arrays.stream(all).mapToDouble(Figures::iops).toArray()),
                median(Arrays.stream(all).mapToDouble(Figures::meanMicros).toArray()),
                median(Arrays.stream(all).mapToDouble(Figures::p99Micros).toArray()),
                median(Arrays.stream(all).mapToDouble(Figures::processCpuMicrosPerIo).toArray()),
                median(Arrays.stream(all).mapToDouble(Figures::threadCpuMicrosPerIo).toArray()),
                (long) median(Arrays.stream(all).mapToDouble(Figures::ios).toArray()),
                (long) median(Arrays.stream(all).mapToDouble(Figures::enterCalls).toArray()));
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> options = new HashMap<>(Map.of("mode", "randread", "qd", "32", "seconds", "10",
                "warmup-seconds", "2", "repetitions", "3", "fixed", "false", "block-bytes", "4096", "size-mib", "0",
                "seed", "42", "single-issuer", "true"));
        options.put("api", "ring");
        options.put("loop", "fused");
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --name value, got '" + args[i] + "'");
            }
            String name = args[i].substring(2);
            if (!options.containsKey(name) && !name.equals("file")) {
                throw new IllegalArgumentException("unknown option --" + name + "; known: " + options.keySet()
                        + " and --file");
            }
            options.put(name, args[++i]);
        }
        if (!options.containsKey("file")) {
            throw new IllegalArgumentException("--file PATH is required (a regular file on a disk file system)");
        }
        return options;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options;
        try {
            options = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println("usage: UringLoadDriver --file PATH [--mode randread|randwrite] [--qd 32] [--seconds 10]"
                    + " [--warmup-seconds 2] [--repetitions 3] [--fixed true|false] [--block-bytes 4096]"
                    + " [--size-mib 0 (keep the file's size)] [--seed 42]"
                    + " [--single-issuer true|false (SINGLE_ISSUER+DEFER_TASKRUN where the kernel has them)]"
                    + " [--api ring|queuepair (the bare IoUring, or the product path QueuePair over io_uring)]"
                    + " [--loop fused|split (queuepair: submitAndAwait, or submit then awaitCompletions)]");
            System.exit(2);
            return;
        }
        String mode = options.get("mode");
        if (!mode.equals("randread") && !mode.equals("randwrite")) {
            throw new IllegalArgumentException("--mode " + mode + " must be randread or randwrite");
        }
        int queueDepth = Integer.parseInt(options.get("qd"));
        if (queueDepth < 1 || queueDepth > IoUringOptions.ENTRIES_MAX) {
            throw new IllegalArgumentException("--qd " + queueDepth + " must be in [1, " + IoUringOptions.ENTRIES_MAX
                    + "]");
        }
        String api = options.get("api");
        if (api.equals("queuepair")) {
            QueuePairLoadDriver driver = new QueuePairLoadDriver(Path.of(options.get("file")),
                    mode.equals("randwrite"), queueDepth, Integer.parseInt(options.get("block-bytes")),
                    Boolean.parseBoolean(options.get("fixed")), Long.parseLong(options.get("seed")),
                    Boolean.parseBoolean(options.get("single-issuer")), !options.get("loop").equals("split"));
            Figures[] figures = driver.run(Integer.parseInt(options.get("warmup-seconds")),
                    Integer.parseInt(options.get("seconds")), Integer.parseInt(options.get("repetitions")));
            System.out.println("MEDIAN api=queuepair mode=" + mode + " qd=" + queueDepth + " fixed="
                    + options.get("fixed") + " " + median(figures).format());
            return;
        }
        if (!api.equals("ring")) {
            throw new IllegalArgumentException("--api " + api + " must be ring or queuepair");
        }
        try (DirectIoFile file = DirectIoFile.open(Path.of(options.get("file")),
                Long.parseLong(options.get("size-mib")) << 20, false)) {
            UringLoadDriver driver = new UringLoadDriver(file, mode.equals("randwrite"), queueDepth,
                    Integer.parseInt(options.get("block-bytes")), Boolean.parseBoolean(options.get("fixed")),
                    Long.parseLong(options.get("seed")), Boolean.parseBoolean(options.get("single-issuer")));
            Figures[] figures = driver.run(Integer.parseInt(options.get("warmup-seconds")),
                    Integer.parseInt(options.get("seconds")), Integer.parseInt(options.get("repetitions")));
            System.out.println("MEDIAN mode=" + mode + " qd=" + queueDepth + " fixed=" + options.get("fixed") + " "
                    + median(figures).format());
        }
    }
}

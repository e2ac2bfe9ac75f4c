package dev.pagestore.bench;

import dev.pagestore.nvme.CompletionHandler;
import dev.pagestore.nvme.DeviceFile;
import dev.pagestore.nvme.IoStatus;
import dev.pagestore.nvme.QueuePair;
import dev.pagestore.nvme.StatusDetail;
import dev.pagestore.nvme.uring.IoUringBlockDevice;
import dev.pagestore.nvme.uring.IoUringBackend;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;
import org.HdrHistogram.Histogram;

/**
 * The product path of {@link UringLoadDriver} ({@code --api queuepair}): random block I/O at a fixed queue depth
 * through {@link IoUringBlockDevice} and its {@link QueuePair} over {@link IoUringBackend} — command table, deadlines, completion mapping,
 * ownership checks and all — rather than the bare ring.
 *
 * <p>Loop shape: keep {@code qd} commands outstanding. Each iteration is {@code submitAndAwait} (one
 * {@code io_uring_enter} that submits the commands re-prepared by the previous batch's handlers and waits for at least
 * one CQE unless some are ready), then {@code poll(qd)}, which finds the CQ non-empty and reaps without a system call:
 * one enter per iteration, like the bare-ring driver's {@code submitAndWait}. ({@code --loop split} keeps the earlier
 * shape, {@code submit()} then {@code awaitCompletions}, two enters per iteration.)
 * Every command carries a deadline 10 s out, so the deadline bookkeeping is on the measured path. Latency is per
 * command from prepare to completion callback (fio's {@code lat}).
 */
final class QueuePairLoadDriver {
    private static final long LATENCY_MAX_NANOS = 10_000_000_000L;
    private static final long DEADLINE_NANOS = 10_000_000_000L;
    private static final long WAIT_NANOS = 100_000_000L;

    private final Path path;
    private final boolean write;
    private final int queueDepth;
    private final int blockBytes;
    private final boolean fixed;
    private final long seed;
    private final boolean singleIssuer;
    private final boolean fusedLoop;

    QueuePairLoadDriver(Path path, boolean write, int queueDepth, int blockBytes, boolean fixed, long seed,
                        boolean singleIssuer, boolean fusedLoop) {
        this.path = path;
        this.write = write;
        this.queueDepth = queueDepth;
        this.blockBytes = blockBytes;
        this.fixed = fixed;
        this.seed = seed;
        this.singleIssuer = singleIssuer;
        this.fusedLoop = fusedLoop;
    }

    /** The completion side: records latency and re-prepares the slot at once (no allocation per I/O). */
    private final class Slots implements CompletionHandler {
        final QueuePair qp;
        final MemorySegment[] buffers;
        final long[] startNanos;
        final long blockCount;
        final SplittableRandom random = new SplittableRandom(seed);
        final Histogram histogram = new Histogram(LATENCY_MAX_NANOS, 3);
        long completed;
        boolean refill = true;

        Slots(QueuePair qp, MemorySegment slab) {
            this.qp = qp;
            this.buffers = new MemorySegment[queueDepth];
            this.startNanos = new long[queueDepth];
            this.blockCount = qp.device().capacityBytes() / blockBytes;
            for (int i = 0; i < queueDepth; i++) {
                buffers[i] = slab.asSlice((long) i * blockBytes, blockBytes);
            }
        }

        void start(int slot) {
            long offset = random.nextLong(blockCount) * blockBytes;
            long now = System.nanoTime();
            startNanos[slot] = now;
            boolean prepared = write
                    ? qp.prepareWrite(slot, buffers[slot], offset, blockBytes, now + DEADLINE_NANOS)
                    : qp.prepareRead(slot, buffers[slot], offset, blockBytes, now + DEADLINE_NANOS);
            if (!prepared) {
                throw new IllegalStateException("queue full at depth " + queueDepth + "; " + qp);
            }
        }

        @Override
        public void onCompletion(long tag, IoStatus status, int transferredBytes, int detail) {
            int slot = (int) tag;
            long now = System.nanoTime();
            if (status != IoStatus.OK || transferredBytes != blockBytes) {
                throw new IllegalStateException("tag " + tag + ": " + status + " " + StatusDetail.describe(detail)
                        + " after " + transferredBytes + " bytes");
            }
            histogram.recordValue(Math.min(now - startNanos[slot], LATENCY_MAX_NANOS));
            completed++;
            if (refill) {
                start(slot);
            }
        }
    }

    UringLoadDriver.Figures[] run(int warmupSeconds, int seconds, int repetitions) throws Exception {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        IoUringBlockDevice.Settings settings = new IoUringBlockDevice.Settings(singleIssuer, singleIssuer, fixed,
                IoUringBlockDevice.Settings.defaults().closeWaitTimeout());
        try (Arena arena = Arena.ofConfined();
             IoUringBlockDevice device = IoUringBlockDevice.open(path, DeviceFile.Options.existing(),
                     dev.pagestore.nvme.NanoClock.SYSTEM, settings)) {
            QueuePair qp = device.openQueuePair(queueDepth);
            MemorySegment slab = arena.allocate((long) queueDepth * blockBytes,
                    Math.max(4096, device.memoryAlignmentBytes()));
            SplittableRandom fill = new SplittableRandom(seed ^ 0x9e3779b97f4a7c15L);
            for (long i = 0; i < slab.byteSize(); i += 8) {
                slab.set(ValueLayout.JAVA_LONG, i, fill.nextLong());
            }
            if (fixed && qp.attachBuffer(slab) < 0) {
                System.err.println("WARNING: fixed buffers refused (" + qp.bufferRegistrationFailure()
                        + "); measuring the unregistered fallback");
            }
            System.err.printf(Locale.ROOT, "%s, device %s, %s qd=%d bs=%d fixed=%s%n", qp, device,
                    write ? "randwrite" : "randread", queueDepth, blockBytes, fixed);
            Slots slots = new Slots(qp, slab);
            for (int slot = 0; slot < queueDepth; slot++) {
                slots.start(slot);
            }
            measure(qp, slots, warmupSeconds, threads, os);
            UringLoadDriver.Figures[] figures = new UringLoadDriver.Figures[repetitions];
            for (int rep = 0; rep < repetitions; rep++) {
                figures[rep] = measure(qp, slots, seconds, threads, os);
                System.out.println("RESULT api=queuepair loop=" + (fusedLoop ? "fused" : "split") + " mode="
                        + (write ? "randwrite" : "randread") + " qd="
                        + queueDepth + " fixed=" + fixed + " rep=" + (rep + 1) + " " + figures[rep].format());
            }
            slots.refill = false;
            qp.submit();  // the last batch's re-prepared commands
            while (qp.inFlightCount() > 0) {  // bounded: every command has a deadline
                qp.awaitCompletions(WAIT_NANOS);
                qp.poll(queueDepth, slots);
            }
            qp.close(slots, 10_000_000_000L);
            if (qp.metrics().unmappedCompletions() + qp.metrics().duplicateCompletions() + qp.metrics().timeouts()
                    != 0) {
                throw new IllegalStateException("unexpected events: " + qp.metrics());
            }
            return figures;
        }
    }

    private UringLoadDriver.Figures measure(QueuePair qp, Slots slots, int seconds, ThreadMXBean threads,
                                            com.sun.management.OperatingSystemMXBean os) {
        slots.histogram.reset();
        // Completions reaped (and so commands re-issued) per enter: the queue depth by default; 1 hands each re-issued
        // command to the kernel at once, as fio's default iodepth_batch_submit=1 does (-Dpagestore.bench.reapBatch=1).
        int reapBatch = Math.max(1, Math.min(queueDepth, Integer.getInteger("pagestore.bench.reapBatch", queueDepth)));
        long completedBefore = slots.completed;
        IoUringBackend ring = (IoUringBackend) qp.backend();  // the device above is io_uring: its enter count
        long entersBefore = ring.ringStats().enterCalls();
        long threadCpuBefore = threads.getCurrentThreadCpuTime();
        long processCpuBefore = os.getProcessCpuTime();
        long start = System.nanoTime();
        long deadline = start + seconds * 1_000_000_000L;
        long now = start;
        while (now - deadline < 0) {
            if (fusedLoop) {
                qp.submitAndAwait(WAIT_NANOS);  // one enter: submit the batch, wait for a CQE unless some are ready
            } else {
                qp.submit();
                qp.awaitCompletions(WAIT_NANOS);
            }
            qp.poll(reapBatch, slots);
            now = System.nanoTime();
        }
        long elapsed = now - start;
        long ios = slots.completed - completedBefore;
        double processCpuMicros = (os.getProcessCpuTime() - processCpuBefore) / 1000.0;
        double threadCpuMicros = (threads.getCurrentThreadCpuTime() - threadCpuBefore) / 1000.0;
        Histogram h = slots.histogram;
        return new UringLoadDriver.Figures(ios * 1e9 / elapsed, h.getMean() / 1000.0,
                h.getValueAtPercentile(99.0) / 1000.0, processCpuMicros / ios, threadCpuMicros / ios, ios,
                ring.ringStats().enterCalls() - entersBefore);
    }
}

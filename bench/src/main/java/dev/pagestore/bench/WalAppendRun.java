package dev.pagestore.bench;

import dev.pagestore.wal.WalMetrics;
import dev.pagestore.wal.WriteAheadLog;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * One WAL point of WalBench: appenders of the chosen kind ({@code -Dpagestore.walbench.wait}) keep appending to one
 * log, with checkpoints beside them when asked, for 1 s of warm-up and then the measured seconds.
 */
final class WalAppendRun {
    private WalAppendRun() {
    }

    /**
     * How appenders wait: {@code block} (default) a thread per appender in {@code appendAndWait}; {@code future} a
     * thread per appender joining a {@code CompletableFuture}; {@code reactor} the appends kept in flight by
     * {@link WalInFlightDriver}s, as the manager's reactors append.
     */
    static final String WAIT = System.getProperty("pagestore.walbench.wait", "block");
    /** Driver threads in {@code wait=reactor} mode; the appends in flight are split evenly among them. */
    static final int REACTORS = Integer.getInteger("pagestore.walbench.reactors", 1);
    /**
     * Milliseconds between checkpoints taken beside the appenders (0: none, the log only grows). There are no data
     * pages here, so a checkpoint is the control-file write and hands the segments before it back for recycling: what
     * a database's steady state looks like once its checkpoints keep up.
     */
    static final int CHECKPOINT_MILLIS = Integer.getInteger("pagestore.walbench.checkpointMillis", 0);

    static AppendResult run(WriteAheadLog wal, int pageSize, int appenders, int seconds) throws Exception {
        AtomicBoolean measuring = new AtomicBoolean();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong operations = new AtomicLong();
        boolean reactor = WAIT.equals("reactor");
        int threadCount = reactor ? Math.min(REACTORS, appenders) : appenders;
        Histogram[] histograms = new Histogram[threadCount];
        List<Thread> threads = new ArrayList<>();
        Arena arena = Arena.ofShared();
        for (int t = 0; reactor && t < threadCount; t++) {
            int thread = t;
            histograms[t] = new Histogram(3_600_000_000L, 3);
            int slots = appenders / threadCount + (t < appenders % threadCount ? 1 : 0);
            WalInFlightDriver driver = new WalInFlightDriver(wal, slots, pageSize, t * 100_000_000_000L, arena);
            threads.add(Thread.ofPlatform().name("walbench-reactor-" + t).start(
                    () -> operations.addAndGet(driver.run(measuring, stop, histograms[thread]))));
        }
        for (int t = 0; !reactor && t < appenders; t++) {
            int thread = t;
            histograms[t] = new Histogram(3_600_000_000L, 3);
            threads.add(Thread.ofPlatform().start(() -> {
                MemorySegment image = Arena.ofAuto().allocate(pageSize, 4096);
                image.fill((byte) thread);
                long page = thread * 1_000_000L;
                while (!stop.get()) {
                    long start = System.nanoTime();
                    if (!WAIT.equals("future")) {
                        try {
                            wal.appendAndWait(page++, image);
                        } catch (java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    } else {
                        wal.append(page++, image).join();
                    }
                    if (measuring.get()) {
                        histograms[thread].recordValue((System.nanoTime() - start) / 1000);
                        operations.incrementAndGet();
                    }
                }
            }));
        }
        Thread checkpointer = CHECKPOINT_MILLIS <= 0 ? null : Thread.ofPlatform().name("walbench-checkpointer")
                .start(() -> {
                    try {
                        while (!stop.get()) {
                            Thread.sleep(CHECKPOINT_MILLIS);
                            wal.checkpoint(redoLsn -> { }); // no data file: nothing to flush before the redo point
                        }
                    } catch (InterruptedException | IOException e) {
                        throw new IllegalStateException("checkpoint failed", e);
                    }
                });
        if (checkpointer != null) {
            threads.add(checkpointer);
        }
        Thread.sleep(1000); // warm-up
        WalMetrics before = wal.metrics().snapshot();
        measuring.set(true);
        long started = System.nanoTime();
        Thread.sleep(seconds * 1000L);
        measuring.set(false);
        long elapsed = System.nanoTime() - started;
        WalMetrics after = wal.metrics().snapshot();
        double meanBatch = (double) (after.records() - before.records())
                / Math.max(1, after.batches() - before.batches());
        stop.set(true);
        for (Thread thread : threads) {
            thread.join();
        }
        arena.close();
        long measured = operations.get();
        Histogram all = new Histogram(3_600_000_000L, 3);
        for (Histogram h : histograms) {
            all.add(h);
        }
        return new AppendResult(measured / (elapsed / 1e9), all.getValueAtPercentile(50), all.getValueAtPercentile(99),
                all.getValueAtPercentile(99.9), all.getMaxValue(),
                meanBatch, CommitTime.between(before, elapsed, after));
    }
}

package dev.pagestore.bench.replication;

import dev.pagestore.status.StatusRegionDescriptor;
import dev.pagestore.status.StatusView;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The manager's own figures beside the writers' timeline, read from its status region (what {@code pagestore stat}
 * reads) at each {@value CompletionTimeline#BUCKET_MILLIS} ms bucket boundary: group commits, time in the local WAL's
 * fdatasync, and the checkpoints it completed (with their wall-clock end), so that a stall can be told apart: the local
 * log's fdatasync slow, or the bookies not answering while the local log was fast.
 *
 * <p>The manager publishes the region every 100 ms, so a bucket's figures lag by up to that much. One thread samples
 * until {@link #stop}; read the figures after it.
 */
final class StatusSampler {
    private final StatusView view;
    private final CompletionTimeline timeline;
    private final long startWallMillis;
    private final long[] walBatches;
    private final long[] walSyncNanos;
    private final List<Double> checkpointEndMillis = new ArrayList<>();
    private final Thread thread;
    private volatile boolean stopping;
    private int sampled;

    private StatusSampler(StatusView view, CompletionTimeline timeline, long startWallMillis, int buckets) {
        this.view = view;
        this.timeline = timeline;
        this.startWallMillis = startWallMillis;
        this.walBatches = new long[buckets + 1];
        this.walSyncNanos = new long[buckets + 1];
        this.thread = Thread.ofPlatform().name("status-sampler").daemon().unstarted(this::run);
    }

    /**
     * Observes the manager of {@code store} and samples for {@code timeline}'s buckets up to {@code buckets};
     * {@code startWallMillis} is the timeline's start on the wall clock (the checkpoints' ends are wall-clock).
     */
    static StatusSampler start(Path store, CompletionTimeline timeline, long startWallMillis, int buckets)
            throws IOException {
        StatusSampler sampler = new StatusSampler(StatusView.observe(store), timeline, startWallMillis, buckets);
        sampler.thread.start();
        return sampler;
    }

    private void run() {
        long lastCheckpoints = view.global(StatusRegionDescriptor.CHECKPOINTS);
        for (int b = 0; b < walBatches.length && !stopping; b++) {
            long atNanos = timeline.startNanos()
                    + TimeUnit.MILLISECONDS.toNanos((long) b * CompletionTimeline.BUCKET_MILLIS);
            long left = atNanos - System.nanoTime();
            if (left > 0) {
                try {
                    TimeUnit.NANOSECONDS.sleep(left);
                } catch (InterruptedException e) {
                    return;
                }
            }
            walBatches[b] = view.global(StatusRegionDescriptor.WAL_BATCHES);
            walSyncNanos[b] = view.global(StatusRegionDescriptor.WAL_SYNC_NANOS);
            long checkpoints = view.global(StatusRegionDescriptor.CHECKPOINTS);
            if (checkpoints != lastCheckpoints) {  // one or more ended since the last sample: the latest's end is kept
                checkpointEndMillis.add((double) (view.global(StatusRegionDescriptor.LAST_CHECKPOINT_MILLIS)
                        - startWallMillis));
                lastCheckpoints = checkpoints;
            }
            sampled = b + 1;
        }
    }

    /** Stops sampling and closes the view (the observer connection). */
    void stop() throws InterruptedException {
        stopping = true;
        thread.interrupt();
        thread.join();
        view.close();
    }

    /** Group commits during bucket {@code b} (the difference of the samples at its two ends); 0 when not sampled. */
    long walBatchesIn(int b) {
        return b + 1 < sampled ? walBatches[b + 1] - walBatches[b] : 0;
    }

    /** Milliseconds the WAL writer spent in fdatasync during bucket {@code b}; 0 when not sampled. */
    double walSyncMillisIn(int b) {
        return b + 1 < sampled ? (walSyncNanos[b + 1] - walSyncNanos[b]) / 1e6 : 0;
    }

    /** When the manager's checkpoints during the run ended, in ms since the timeline's start. */
    List<Double> checkpointEndMillis() {
        return List.copyOf(checkpointEndMillis);
    }
}

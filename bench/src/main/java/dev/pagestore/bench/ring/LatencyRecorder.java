package dev.pagestore.bench.ring;

import java.io.PrintStream;
import org.HdrHistogram.Histogram;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

/**
 * Round-trip latencies of the measurement iterations (warm-up excluded) in an HdrHistogram, printed once per trial
 * as p50 / p90 / p99 / p99.9 / max in nanoseconds: one line a run, easy to collect with grep.
 */
final class LatencyRecorder {
    private final Histogram histogram = new Histogram(60_000_000_000L, 3);
    private boolean recording;

    void onIteration(IterationParams params) {
        recording = params.getType() == IterationType.MEASUREMENT;
    }

    void record(long nanos) {
        if (recording) {
            histogram.recordValue(Math.min(nanos, histogram.getHighestTrackableValue()));
        }
    }

    void print(PrintStream out, String label) {
        out.printf("%nHDR %s: count=%d p50=%d p90=%d p99=%d p99.9=%d max=%d ns%n", label,
                histogram.getTotalCount(), histogram.getValueAtPercentile(50), histogram.getValueAtPercentile(90),
                histogram.getValueAtPercentile(99), histogram.getValueAtPercentile(99.9), histogram.getMaxValue());
    }
}

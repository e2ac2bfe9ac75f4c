package dev.pagestore.status;

/** Figures tests read from a manager's status region, summed over its reactors. */
public final class StatusFigures {
    private StatusFigures() {
    }

    /** Sum of a reactor field over all reactors. */
    public static long sumReactors(StatusView status, long field) {
        long sum = 0;
        for (int r = 0; r < status.reactorCount(); r++) {
            sum += status.reactor(r, field);
        }
        return sum;
    }

    /**
     * The latency below which a fraction {@code quantile} of requests finished, over all reactors since the manager
     * started, within 1.6% ({@link LatencyBuckets}); 0 when nothing was counted.
     */
    public static long latencyPercentileNanos(StatusView status, double quantile) {
        if (!(quantile > 0 && quantile <= 1)) {
            throw new IllegalArgumentException("quantile=" + quantile + " must be in (0, 1]");
        }
        long[] counts = new long[StatusRegionDescriptor.HISTOGRAM_BUCKETS];
        for (int r = 0; r < status.reactorCount(); r++) {
            for (int b = 0; b < counts.length; b++) {
                counts[b] += status.histogram(r, b);
            }
        }
        return Math.max(0, LatencyBuckets.quantile(counts, quantile));
    }
}

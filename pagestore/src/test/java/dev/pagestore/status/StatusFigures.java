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
     * started, as the upper bound of its log2 histogram bucket (so within a factor of 2); 0 when nothing was counted.
     */
    public static long latencyPercentileNanos(StatusView status, double quantile) {
        if (!(quantile > 0 && quantile <= 1)) {
            throw new IllegalArgumentException("quantile=" + quantile + " must be in (0, 1]");
        }
        long[] counts = new long[StatusRegionDescriptor.HISTOGRAM_BUCKETS];
        long total = 0;
        for (int r = 0; r < status.reactorCount(); r++) {
            for (int b = 0; b < counts.length; b++) {
                long count = status.histogram(r, b);
                counts[b] += count;
                total += count;
            }
        }
        if (total == 0) {
            return 0;
        }
        long rank = (long) Math.ceil(quantile * total);
        long seen = 0;
        for (int b = 0; b < counts.length; b++) {
            seen += counts[b];
            if (seen >= rank) {
                return b >= 62 ? Long.MAX_VALUE : 1L << (b + 1);
            }
        }
        return Long.MAX_VALUE;
    }
}

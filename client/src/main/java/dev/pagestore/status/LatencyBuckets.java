package dev.pagestore.status;

/**
 * The buckets of the status region's latency histograms: log-linear, as HdrHistogram lays them out. Values below
 * {@link #LINEAR_LIMIT} nanoseconds have a bucket each; above, every power of two is split into {@link #SUB_BUCKETS}
 * equal buckets, so a bucket is at most 1/32 of its lower bound wide and its midpoint is within 1/64 (1.6%) of any
 * value in it. Latencies of 2^39 ns (about 550 s: {@link #TOP_BIT} + 1) and more share the last bucket.
 *
 * <pre>
 *  index i           values
 *  0 .. 63           exactly i
 *  64 + 32(b-6) + s  [ (32+s) 2^(b-5), (33+s) 2^(b-5) ),  b = 6 .. 38 the highest set bit, s = 0 .. 31
 * </pre>
 *
 * Every power of two from 2^6 on is a bucket boundary, so the buckets sum exactly into log2 buckets (the
 * Prometheus exposition uses those).
 */
public final class LatencyBuckets {
    public static final int SUB_BUCKET_BITS = 5;
    public static final int SUB_BUCKETS = 1 << SUB_BUCKET_BITS;
    public static final int LINEAR_LIMIT = 2 * SUB_BUCKETS;
    /** The highest set bit with buckets of its own. */
    public static final int TOP_BIT = 38;
    public static final int COUNT = LINEAR_LIMIT + (TOP_BIT - SUB_BUCKET_BITS) * SUB_BUCKETS;

    private LatencyBuckets() {
    }

    /** The bucket of {@code nanos}; a negative value (a clock that stepped back) counts as 0. */
    public static int indexOf(long nanos) {
        if (nanos < LINEAR_LIMIT) {
            return (int) Math.max(0, nanos);
        }
        int bit = 63 - Long.numberOfLeadingZeros(nanos);
        if (bit > TOP_BIT) {
            return COUNT - 1;
        }
        int shift = bit - SUB_BUCKET_BITS;
        return LINEAR_LIMIT + (bit - SUB_BUCKET_BITS - 1) * SUB_BUCKETS + (int) ((nanos >>> shift) & (SUB_BUCKETS - 1));
    }

    /** The smallest value in bucket {@code index}. */
    public static long lowerBound(int index) {
        if (index < LINEAR_LIMIT) {
            return index;
        }
        int k = index - LINEAR_LIMIT;
        int shift = k / SUB_BUCKETS + 1;
        return (long) (SUB_BUCKETS + k % SUB_BUCKETS) << shift;
    }

    /** One past the largest value in bucket {@code index} (the last bucket also holds everything above it). */
    public static long upperBound(int index) {
        if (index < LINEAR_LIMIT) {
            return index + 1L;
        }
        return lowerBound(index) + (1L << ((index - LINEAR_LIMIT) / SUB_BUCKETS + 1));
    }

    /** The value a quantile falling in bucket {@code index} is reported as: the bucket's middle. */
    public static long midpoint(int index) {
        long lower = lowerBound(index);
        return lower + (upperBound(index) - lower) / 2;
    }

    /**
     * Quantile {@code q} (0 to 1) of the latencies counted in {@code counts} (indexed as here), as the midpoint of
     * the bucket holding it; -1 when nothing is counted.
     */
    public static long quantile(long[] counts, double q) {
        long total = 0;
        for (long c : counts) {
            total += c;
        }
        if (total <= 0) {
            return -1;
        }
        long rank = Math.max(1, (long) Math.ceil(q * total));
        long seen = 0;
        for (int i = 0; i < counts.length; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return midpoint(i);
            }
        }
        return midpoint(counts.length - 1);
    }
}

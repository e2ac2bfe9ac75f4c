package dev.pagestore.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The log-linear latency buckets: contiguous, exact below 64 ns, and quantiles within 1/64 of the exact ones. */
class LatencyBucketsTest {
    @Test
    void shouldCoverEveryValueOnceWithContiguousBuckets() {
        assertEquals(0, LatencyBuckets.lowerBound(0));
        for (int i = 0; i < LatencyBuckets.COUNT - 1; i++) {
            assertEquals(LatencyBuckets.upperBound(i), LatencyBuckets.lowerBound(i + 1), "bucket " + i);
            assertEquals(i, LatencyBuckets.indexOf(LatencyBuckets.lowerBound(i)), "lower bound of " + i);
            assertEquals(i, LatencyBuckets.indexOf(LatencyBuckets.upperBound(i) - 1), "last value of " + i);
        }
        assertEquals(1L << (LatencyBuckets.TOP_BIT + 1), LatencyBuckets.upperBound(LatencyBuckets.COUNT - 1));
        assertEquals(LatencyBuckets.COUNT - 1, LatencyBuckets.indexOf(Long.MAX_VALUE));
        assertEquals(0, LatencyBuckets.indexOf(-5), "a clock that stepped back counts as 0");
        for (long v = 0; v < LatencyBuckets.LINEAR_LIMIT; v++) {
            assertEquals(v, LatencyBuckets.midpoint(LatencyBuckets.indexOf(v)), "exact below 64 ns");
        }
    }

    @Test
    void shouldPutEveryPowerOfTwoOnABucketBoundary() {
        for (int bit = 6; bit <= LatencyBuckets.TOP_BIT; bit++) {
            long power = 1L << bit;
            assertEquals(power, LatencyBuckets.lowerBound(LatencyBuckets.indexOf(power)), "2^" + bit);
        }
    }

    @Test
    void shouldGiveQuantilesWithinOneSixtyFourthOfTheExactOnes() {
        SplittableRandom random = new SplittableRandom(19);
        for (int trial = 0; trial < 200; trial++) {
            int n = 1 + random.nextInt(5_000);
            long[] values = new long[n];
            long[] counts = new long[LatencyBuckets.COUNT];
            double scale = Math.exp(random.nextDouble(3, 18));  // medians from ~20 ns to ~65 ms
            for (int i = 0; i < n; i++) {
                values[i] = (long) (scale * Math.exp(random.nextGaussian() * 1.5));
                counts[LatencyBuckets.indexOf(values[i])]++;
            }
            Arrays.sort(values);
            for (double q : new double[] {0.0, 0.5, 0.9, 0.99, 0.999, 1.0}) {
                long exact = values[(int) Math.max(0, Math.ceil(q * n) - 1)];
                long reported = LatencyBuckets.quantile(counts, q);
                assertTrue(Math.abs(reported - exact) <= exact / 64.0 + 0.5,
                        "trial " + trial + " q=" + q + ": exact " + exact + ", reported " + reported);
            }
        }
        assertEquals(-1, LatencyBuckets.quantile(new long[LatencyBuckets.COUNT], 0.5));
    }
}

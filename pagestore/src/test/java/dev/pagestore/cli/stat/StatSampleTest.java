package dev.pagestore.cli.stat;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pagestore.status.LatencyBuckets;
import dev.pagestore.status.StatusRegionDescriptor;
import org.junit.jupiter.api.Test;

/** The interval figures stat derives from two samples, on hand-made samples: fractions, ratios, quantiles. */
class StatSampleTest {
    private static StatSample sample(long nanos, long reads, long writes, long busyNanos, long doorbells) {
        long[] reactor = new long[StatSample.REACTOR_FIELDS.length];
        reactor[StatSample.READS] = reads;
        reactor[StatSample.WRITES] = writes;
        reactor[StatSample.PAGES_READ_INDEX] = reads;
        reactor[StatSample.PAGES_WRITTEN_INDEX] = writes;
        reactor[StatSample.BUSY] = busyNanos;
        reactor[StatSample.DOORBELLS_INDEX] = doorbells;
        int buckets = StatusRegionDescriptor.HISTOGRAM_BUCKETS;
        return new StatSample(nanos, 1, 1, 4096, 64, new long[][] {reactor}, new long[1][buckets],
                new long[1][buckets], new long[StatSample.GLOBAL_FIELDS.length], java.util.List.of());
    }

    @Test
    void shouldGiveTheBusyFractionOrNoneForAManagerThatDoesNotCountIt() {
        StatSample before = sample(0, 0, 0, 0, 0);
        assertEquals(0.25, sample(1_000_000_000L, 10, 10, 250_000_000L, 20).busyFractionSince(before, 0), 1e-9);
        assertEquals(1.0, sample(1_000_000_000L, 10, 10, 2_000_000_000L, 20).busyFractionSince(before, 0),
                "at most the whole interval");
        assertEquals(-1, sample(1_000_000_000L, 10, 10, 0, 20).busyFractionSince(before, 0),
                "requests answered but no busy time: a manager built before the field");
        assertEquals(0, sample(1_000_000_000L, 0, 0, 0, 0).busyFractionSince(before, 0), "idle");
    }

    @Test
    void shouldDivideOnlyByWhatHappened() {
        StatSample before = sample(0, 0, 0, 0, 0);
        int[] pages = {StatSample.PAGES_READ_INDEX, StatSample.PAGES_WRITTEN_INDEX};
        assertEquals(2.0, sample(1, 30, 10, 1, 20).ratioSince(before, 0, pages, StatSample.DOORBELLS_INDEX), 1e-9);
        assertEquals(-1, sample(1, 30, 10, 1, 0).ratioSince(before, 0, pages, StatSample.DOORBELLS_INDEX),
                "no doorbell: nothing to divide by");
    }

    @Test
    void shouldGiveTheMiddleOfTheBucketHoldingAQuantile() {
        long[] histogram = new long[StatusRegionDescriptor.HISTOGRAM_BUCKETS];
        histogram[LatencyBuckets.indexOf(1_000)] = 99;
        histogram[LatencyBuckets.indexOf(5_000_000)] = 1;
        assertEquals(1_000, StatSample.quantileNanos(histogram, 0.50), 1_000 / 64.0);
        assertEquals(1_000, StatSample.quantileNanos(histogram, 0.99), 1_000 / 64.0);
        assertEquals(5_000_000, StatSample.quantileNanos(histogram, 0.999), 5_000_000 / 64.0);
        assertEquals(-1, StatSample.quantileNanos(new long[StatusRegionDescriptor.HISTOGRAM_BUCKETS], 0.5));
    }

    private static StatSample withWorkers(long nanos, java.util.List<StatSample.Worker> workers) {
        int buckets = StatusRegionDescriptor.HISTOGRAM_BUCKETS;
        return new StatSample(nanos, 1, 1, 4096, 64, new long[1][StatSample.REACTOR_FIELDS.length],
                new long[1][buckets], new long[1][buckets], new long[StatSample.GLOBAL_FIELDS.length], workers);
    }

    private static StatSample.Worker worker(long attachId, long reads) {
        long[] values = new long[StatSample.WORKER_FIELDS.length];
        values[StatSample.W_READS] = reads;
        return new StatSample.Worker(attachId, 7, 0, "w" + attachId, values);
    }

    @Test
    void shouldGiveAWorkersRateFromItsLastRowFromZeroOrNotAtAll() {
        StatSample.Worker now = worker(3, 500);
        StatSample later = withWorkers(2_000_000_000L, java.util.List.of(now));
        assertEquals(200, later.workerRateSince(withWorkers(0, java.util.List.of(worker(3, 100))), now,
                StatSample.W_READS), 1e-9, "from its row in the sample before");
        assertEquals(250, later.workerRateSince(withWorkers(0, java.util.List.of()), now, StatSample.W_READS), 1e-9,
                "attached since: from zero");
        java.util.List<StatSample.Worker> full = new java.util.ArrayList<>();
        for (int i = 0; i < StatusRegionDescriptor.CHANNEL_ROWS_MAX; i++) {
            full.add(worker(100 + i, 0));
        }
        assertEquals(Double.NaN, later.workerRateSince(withWorkers(0, full), now, StatSample.W_READS),
                "every row taken before: it may have had none, the rate is not known");
    }
}

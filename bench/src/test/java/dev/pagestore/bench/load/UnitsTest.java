package dev.pagestore.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/** The small parts the bench's figures rest on: page choice, the worker's report line, JSON. */
class UnitsTest {
    @Test
    void zipfianPagesAreABijectionOfRanksWithTheHottestRankMostFrequent() {
        for (long pages : new long[] {1, 2, 3, 10, 1000, 4096}) {
            ZipfianPicker picker = new ZipfianPicker(pages, 0.99);
            boolean[] seen = new boolean[(int) pages];
            for (long rank = 0; rank < pages; rank++) {
                long page = picker.page(rank);
                assertTrue(page >= 0 && page < pages && !seen[(int) page], "pages=" + pages + " rank=" + rank);
                seen[(int) page] = true;
            }
        }
        ZipfianPicker picker = new ZipfianPicker(1000, 0.99);
        long seed = 42;
        SplittableRandom random = new SplittableRandom(seed);
        int[] counts = new int[1000];
        for (int i = 0; i < 200_000; i++) {
            counts[(int) picker.rank(random.nextDouble())]++;
        }
        assertTrue(counts[0] > counts[1] && counts[1] > counts[10] && counts[10] > counts[500], "seed " + seed);
        // Zipf with theta 0.99 over 1000 ranks: rank 0 draws 1/zeta(1000) of the picks, about 13%
        double share = counts[0] / 200_000.0;
        assertTrue(share > 0.12 && share < 0.145, "rank 0 share " + share + ", seed " + seed);
    }

    @Test
    void fioMakesWritesAloneDurableWithFdatasyncAndAMixWithODsync() {
        assertEquals(BenchSettings.FioSync.FDATASYNC, settings(0, BenchSettings.FioSync.AUTO).effectiveFioSync());
        assertEquals(BenchSettings.FioSync.DSYNC, settings(70, BenchSettings.FioSync.AUTO).effectiveFioSync());
        assertEquals(BenchSettings.FioSync.FDATASYNC, settings(70, BenchSettings.FioSync.FDATASYNC)
                .effectiveFioSync());
        assertEquals(BenchSettings.FioSync.DSYNC, settings(0, BenchSettings.FioSync.DSYNC).effectiveFioSync());
    }

    private static BenchSettings settings(int readPercent, BenchSettings.FioSync fioSync) {
        return new BenchSettings(1, 1, 0, 1, readPercent, 16, Skew.UNIFORM, 0.99, 0, false, false, 4096, 1,
                BenchSettings.Peer.FIO, fioSync, List.of(), 1, null, false);
    }

    @Test
    void zetaBeyondTheExactTermsStaysCloseToTheExactSum() {
        long n = 3 * ZipfianPicker.EXACT_TERMS;
        double exact = 0;
        for (long i = n; i >= 1; i--) {
            exact += Math.pow(i, -0.99);
        }
        assertEquals(exact, ZipfianPicker.zeta(n, 0.99), exact * 1e-9);
    }

    @Test
    void aWorkerReportSurvivesItsLine() {
        Histogram reads = new Histogram(3);
        Histogram writes = new Histogram(3);
        for (long v = 1_000; v < 5_000_000; v += 7_919) {
            reads.recordValue(v);
            writes.recordValue(2 * v);
        }
        WorkerReport report = new WorkerReport(reads, writes, Map.of("TIMEOUT", 3L, "IO_ERROR", 1L), 10, 20);
        WorkerReport back = WorkerReport.parse(report.line());
        for (double percentile : new double[] {0, 50, 99, 100}) {
            assertEquals(reads.getValueAtPercentile(percentile), back.reads().getValueAtPercentile(percentile));
            assertEquals(writes.getValueAtPercentile(percentile), back.writes().getValueAtPercentile(percentile));
        }
        assertEquals(reads.getTotalCount(), back.reads().getTotalCount());
        assertEquals(writes.getTotalCount(), back.writes().getTotalCount());
        assertEquals(Map.of("TIMEOUT", 3L, "IO_ERROR", 1L), back.errors());
        assertEquals(10, back.cacheHits());
        assertEquals(20, back.cacheMisses());
        WorkerReport none = WorkerReport.parse(new WorkerReport(new Histogram(3), new Histogram(3), Map.of(), 0, 0)
                .line());
        assertTrue(none.errors().isEmpty());
        assertThrows(IllegalArgumentException.class, () -> WorkerReport.parse("result reads=xyz"));
    }

    @Test
    void jsonWrittenIsJsonReadAndNaNIsNull() {
        Map<String, Object> value = new java.util.LinkedHashMap<>();
        value.put("text", "a \"quoted\"\nline\t\u0001");
        value.put("int", 42);
        value.put("fraction", 0.000123456789);
        value.put("big", 12345678.9);
        value.put("missing", Double.NaN);
        value.put("list", List.of(1, true, "x"));
        value.put("empty", Map.of());
        Map<?, ?> back = (Map<?, ?>) Json.parse(Json.write(value));
        assertEquals("a \"quoted\"\nline\t\u0001", back.get("text"));
        assertEquals(42.0, back.get("int"));
        assertEquals(0.000123456789, (Double) back.get("fraction"), 1e-9);
        assertEquals(12345678.9, (Double) back.get("big"), 1e-6 * 12345678.9);
        assertEquals(null, back.get("missing"));
        assertTrue(back.containsKey("missing"));
        assertEquals(List.of(1.0, true, "x"), back.get("list"));
        assertEquals(Map.of(), back.get("empty"));
        assertThrows(IllegalArgumentException.class, () -> Json.parse("{\"a\": }"));
        assertThrows(IllegalArgumentException.class, () -> Json.parse("[1, 2] 3"));
    }
}

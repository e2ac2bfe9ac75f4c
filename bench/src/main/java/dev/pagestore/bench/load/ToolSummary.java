package dev.pagestore.bench.load;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;
import org.HdrHistogram.Histogram;

/**
 * One tool's runs reduced to what the report prints: the median over runs of every per-run figure (a percentile is
 * taken in each run's histogram, merged over its workers, then the runs' values are reduced to their median, so one
 * disturbed run moves nothing), plus histograms merged over all runs for the JSON report, and errors summed.
 */
record ToolSummary(String tool, List<RunResult> runs, Histogram reads, Histogram writes,
        Map<String, Histogram> extraLatencies, Map<String, Long> errors) {

    /** The percentiles the report prints, in percent; {@code 100} is the maximum. */
    static final double[] PERCENTILES = {50, 90, 99, 99.9, 100};

    static ToolSummary of(String tool, List<RunResult> all) {
        List<RunResult> runs = all.stream().filter(r -> r.tool().equals(tool)).toList();
        if (runs.isEmpty()) {
            throw new IllegalArgumentException("tool=" + tool + " has no runs");
        }
        Histogram reads = new Histogram(3);
        Histogram writes = new Histogram(3);
        Map<String, Histogram> extra = new TreeMap<>();
        Map<String, Long> errors = new TreeMap<>();
        for (RunResult run : runs) {
            reads.add(run.reads());
            writes.add(run.writes());
            run.extraLatencies().forEach((name, h) -> extra.computeIfAbsent(name, n -> new Histogram(3)).add(h));
            run.errors().forEach((name, count) -> errors.merge(name, count, Long::sum));
        }
        return new ToolSummary(tool, runs, reads, writes, extra, errors);
    }

    /** The median of {@code figure} over the runs, ignoring NaN (a figure a run does not have); NaN when none has. */
    double median(ToDoubleFunction<RunResult> figure) {
        double[] values = runs.stream().mapToDouble(figure).filter(v -> !Double.isNaN(v)).sorted().toArray();
        if (values.length == 0) {
            return Double.NaN;
        }
        int middle = values.length / 2;
        return values.length % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
    }

    /** The median over runs of a latency percentile of all operations, in microseconds. */
    double medianLatencyMicros(double percentile) {
        return median(run -> micros(run.all(), percentile));
    }

    boolean hasManager() {
        return runs.getFirst().hasManager();
    }

    Histogram all() {
        Histogram all = new Histogram(3);
        all.add(reads);
        all.add(writes);
        return all;
    }

    /** {@code percentile} of {@code histogram} in microseconds ({@code 100}: the maximum), NaN when it is empty. */
    static double micros(Histogram histogram, double percentile) {
        if (histogram.getTotalCount() == 0) {
            return Double.NaN;
        }
        long nanos = percentile >= 100 ? histogram.getMaxValue() : histogram.getValueAtPercentile(percentile);
        return nanos / 1e3;
    }

    /** {@code 99.9} as {@code "p99.9"}, {@code 100} as {@code "max"}. */
    static String percentileName(double percentile) {
        if (percentile >= 100) {
            return "max";
        }
        String number = percentile == Math.rint(percentile) ? Long.toString((long) percentile)
                : Double.toString(percentile);
        return "p" + number;
    }

    @Override
    public String toString() {
        return tool + " " + runs.size() + " runs " + Arrays.toString(runs.stream().mapToDouble(RunResult::opsPerSecond)
                .toArray());
    }
}

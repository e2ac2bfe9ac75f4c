package dev.pagestore.bench;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Every figure WalBench prints is the median of its runs. */
final class Medians {
    private Medians() {
    }

    static double of(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return sorted[sorted.length / 2];
    }

    static AppendResult byRate(List<AppendResult> results) {
        List<AppendResult> sorted = new ArrayList<>(results);
        sorted.sort(Comparator.comparingDouble(AppendResult::opsPerSecond));
        return sorted.get(sorted.size() / 2);
    }
}

package dev.pagestore.torture.loop;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one loop did: its iterations, its counts in the order it reports them (acknowledged writes, lost, torn, ...),
 * and each failure with the seed that replays it.
 */
record LoopResult(String loop, long iterations, Map<String, Long> counts, List<String> failures, double seconds) {
    LoopResult {
        counts = new LinkedHashMap<>(counts);
        failures = List.copyOf(failures);
    }

    /** A loop's counts, each at zero, in the order the report shows them. */
    static Map<String, Long> zeroCounts(String... names) {
        Map<String, Long> counts = new LinkedHashMap<>();
        for (String name : names) {
            counts.put(name, 0L);
        }
        return counts;
    }

    boolean passed() {
        return failures.isEmpty();
    }

    /** One line: the loop, its iterations and every count. */
    String summary() {
        StringBuilder line = new StringBuilder(String.format("%-8s %s after %,d iterations in %.0f s:", loop,
                passed() ? "PASS" : "FAIL", iterations, seconds));
        counts.forEach((name, value) -> line.append(String.format(" %s %,d;", name, value)));
        line.append(String.format(" failures %d", failures.size()));
        return line.toString();
    }
}

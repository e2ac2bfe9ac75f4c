package dev.pagestore.torture.loop;

import dev.pagestore.torture.PageOperation;
import dev.pagestore.torture.RegisterChecker;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What a loop's history and its final, quiescent reads say: the pages that are not linearizable registers (a lost
 * acknowledged write, a stale or resurrected value), the reads of damaged images (torn, foreign, garbage), and the
 * writers' groups that hold parts of two batches.
 */
record HistoryVerdict(List<RegisterChecker.Violation> violations, long damagedReads, List<String> partialBatches) {

    /**
     * Checks {@code history}; {@code finalGroups} maps each writer to the values its group's pages held at the end,
     * read with nothing running.
     */
    static HistoryVerdict of(List<PageOperation> history, Map<Integer, long[]> finalGroups) {
        long damaged = history.stream().filter(op -> !op.write() && op.value() == Stamps.DAMAGED).count();
        List<String> partial = new ArrayList<>();
        finalGroups.forEach((writer, values) -> {
            for (long value : values) {
                if (value != values[0]) {
                    partial.add("writer " + writer + "'s batch pages " + java.util.Arrays.toString(
                            PageWorkload.groupOf(writer)) + " hold values " + describe(values));
                    return;
                }
            }
        });
        return new HistoryVerdict(new RegisterChecker().check(history), damaged, partial);
    }

    /** Adds {@code history}'s reads and this verdict's problems to a loop's counts. */
    void countInto(Map<String, Long> counts, List<PageOperation> history) {
        counts.merge("reads", history.stream().filter(op -> !op.write()).count(), Long::sum);
        counts.merge("lost or non-linearizable pages", (long) violations.size(), Long::sum);
        counts.merge("damaged reads", damagedReads, Long::sum);
        counts.merge("partial batches", (long) partialBatches.size(), Long::sum);
    }

    boolean clean() {
        return violations.isEmpty() && damagedReads == 0 && partialBatches.isEmpty();
    }

    /** The first few problems, one per line. */
    String describe(int max) {
        List<String> lines = new ArrayList<>();
        for (RegisterChecker.Violation v : violations) {
            StringBuilder line = new StringBuilder("page " + v.page() + ": " + v.reason());
            v.operations().stream().limit(6).forEach(op -> line.append("\n      ").append(
                    dev.pagestore.torture.HistoryFile.line(op)));
            lines.add(line.toString());
        }
        if (damagedReads > 0) {
            lines.add(damagedReads + " read(s) of a damaged image (torn, foreign or garbage)");
        }
        lines.addAll(partialBatches);
        return String.join("\n    ", lines.subList(0, Math.min(max, lines.size())));
    }

    private static String describe(long[] values) {
        StringBuilder s = new StringBuilder();
        for (long v : values) {
            s.append(s.isEmpty() ? "" : ", ").append(v >>> 32).append('/').append(v & 0xFFFF_FFFFL);
        }
        return s.toString();
    }
}

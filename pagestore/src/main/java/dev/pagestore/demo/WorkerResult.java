package dev.pagestore.demo;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/** What one {@link DemoWorker} reported at the end (its {@code DONE}, {@code HIST}, {@code ACKED}, ... lines). */
final class WorkerResult {
    final Map<String, Long> counters = new HashMap<>();
    /** Own page -> last acknowledged sequence. */
    final Map<Long, Long> acked = new HashMap<>();
    /** Own page -> sequences written after the last acknowledgement whose outcome is unknown. */
    final Map<Long, List<Long>> unknown = new HashMap<>();
    final List<String> violations = new ArrayList<>();
    Histogram latency;
    boolean ended;

    long counter(String name) {
        return counters.getOrDefault(name, 0L);
    }

    /** Takes one stdout line of the worker; returns true at {@code END}. */
    boolean accept(String line) {
        if (line.startsWith("DONE ")) {
            for (String field : line.substring(5).trim().split(" ")) {
                int eq = field.indexOf('=');
                counters.put(field.substring(0, eq), Long.parseLong(field.substring(eq + 1)));
            }
        } else if (line.startsWith("HIST ")) {
            try {
                latency = Histogram.decodeFromCompressedByteBuffer(
                        ByteBuffer.wrap(Base64.getDecoder().decode(line.substring(5).trim())), 0);
            } catch (java.util.zip.DataFormatException | IllegalArgumentException e) {
                violations.add("unreadable latency histogram: " + e);
            }
        } else if (line.startsWith("ACKED")) {
            pairs(line.substring(5), (page, sequence) -> acked.put(page, sequence));
        } else if (line.startsWith("UNKNOWN")) {
            pairs(line.substring(7), (page, sequence) -> unknown.computeIfAbsent(page, p -> new ArrayList<>())
                    .add(sequence));
        } else if (line.startsWith("VIOLATION ")) {
            violations.add(line.substring(10));
        } else if (line.equals("END")) {
            ended = true;
        }
        return ended;
    }

    private interface PairSink {
        void accept(long page, long sequence);
    }

    private static void pairs(String text, PairSink sink) {
        for (String pair : text.trim().split(" ")) {
            if (!pair.isEmpty()) {
                int colon = pair.indexOf(':');
                sink.accept(Long.parseLong(pair.substring(0, colon)), Long.parseLong(pair.substring(colon + 1)));
            }
        }
    }
}

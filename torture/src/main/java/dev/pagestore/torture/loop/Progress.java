package dev.pagestore.torture.loop;

import java.io.PrintStream;
import java.util.function.Supplier;

/**
 * A loop's progress line, printed at most every {@value #EVERY_MILLIS} ms: a long run says it is alive and how far it
 * has got, without a line per iteration.
 */
final class Progress {
    private static final long EVERY_MILLIS = 5_000;

    private final PrintStream out;
    private final String loop;
    private final long startNanos = System.nanoTime();
    private long lastNanos = startNanos;

    Progress(PrintStream out, String loop) {
        this.out = out;
        this.loop = loop;
    }

    /** Prints {@code line} when the last print is old enough; the supplier is called only then. */
    void maybe(Supplier<String> line) {
        long now = System.nanoTime();
        if (now - lastNanos >= EVERY_MILLIS * 1_000_000L) {
            lastNanos = now;
            out.printf("  %s %4.0f s  %s%n", loop, (now - startNanos) / 1e9, line.get());
            out.flush();
        }
    }

    double seconds() {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}

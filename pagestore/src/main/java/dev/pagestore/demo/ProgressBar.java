package dev.pagestore.demo;

import java.io.PrintWriter;

/**
 * The demo's one-line progress display, redrawn in place with {@code \r} on a terminal; elsewhere (a pipe, a test)
 * one plain line every few seconds so logs stay readable.
 */
final class ProgressBar {
    private static final int WIDTH = 30;
    private final PrintWriter out;
    private final boolean terminal;
    private long lastPlainNanos;
    private int lastLength;

    ProgressBar(PrintWriter out, boolean terminal) {
        this.out = out;
        this.terminal = terminal;
    }

    void draw(double elapsedSeconds, double totalSeconds, long ops, long retried, long violations, String manager) {
        double fraction = Math.max(0, Math.min(1, elapsedSeconds / totalSeconds));
        int filled = (int) Math.round(fraction * WIDTH);
        String line = String.format("[%s%s] %4.1fs/%.0fs  ops %,d  retried %,d  errors %d  manager: %s",
                "#".repeat(filled), ".".repeat(WIDTH - filled), elapsedSeconds, totalSeconds, ops, retried, violations,
                manager);
        if (terminal) {
            out.print("\r" + line + " ".repeat(Math.max(0, lastLength - line.length())));
            lastLength = line.length();
            out.flush();
        } else if (System.nanoTime() - lastPlainNanos > 2_000_000_000L) {
            out.println(line);
            out.flush();
            lastPlainNanos = System.nanoTime();
        }
    }

    /** Ends the redrawn line. */
    void finish() {
        if (terminal) {
            out.println();
            out.flush();
        }
    }
}

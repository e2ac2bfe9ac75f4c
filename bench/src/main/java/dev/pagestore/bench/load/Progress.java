package dev.pagestore.bench.load;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * The bench's progress line on stderr: on a terminal, one line redrawn about once a second (phase, seconds elapsed of
 * the phase's total, operations so far); elsewhere (a pipe, a log file, a test) one plain line per phase change only,
 * so that logs stay short. Stdout carries only the results.
 *
 * <p>Thread safety: one thread (the bench's).
 */
final class Progress {
    private final PrintWriter err;
    private final boolean terminal;
    private String phase = "";
    private int drawnLength;

    Progress(PrintWriter err, boolean terminal) {
        this.err = err;
        this.terminal = terminal;
    }

    /** A new phase ({@code "run 1/3 pagestore: warm-up"}); printed at once, on a terminal and off. */
    void phase(String text) {
        phase = text;
        if (terminal) {
            draw(text);
        } else {
            err.println("pagestore bench: " + text);
            err.flush();
        }
    }

    /**
     * The current phase's figures; on a terminal only. {@code totalSeconds} NaN: no known end; {@code ops < 0}: no
     * operation count (fio's).
     */
    void update(double elapsedSeconds, double totalSeconds, long ops) {
        if (!terminal) {
            return;
        }
        String time = Double.isNaN(totalSeconds) ? String.format(Locale.ROOT, "%5.1f s", elapsedSeconds)
                : String.format(Locale.ROOT, "%5.1f/%.0f s", elapsedSeconds, totalSeconds);
        draw(phase + "  " + time + (ops >= 0 ? String.format(Locale.ROOT, "  %,d ops", ops) : ""));
    }

    /** Ends the redrawn line, so that what follows starts on a fresh one. */
    void finish() {
        if (terminal && drawnLength > 0) {
            err.print("\r" + " ".repeat(drawnLength) + "\r");
            err.flush();
            drawnLength = 0;
        }
    }

    private void draw(String text) {
        String line = "pagestore bench: " + text;
        err.print("\r" + line + " ".repeat(Math.max(0, drawnLength - line.length())));
        err.flush();
        drawnLength = line.length();
    }
}

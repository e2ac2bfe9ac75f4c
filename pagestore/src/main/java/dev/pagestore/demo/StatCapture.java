package dev.pagestore.demo;

import dev.pagestore.cli.PageStoreCli;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine;

/**
 * The demo's own {@code pagestore stat --format json} capture: the command runs on a thread of this process, from the
 * first manager's start to the report, and follows the restarted manager as any {@code stat} does. The capture is
 * what {@code bench/plot-stat.py} turns into charts; what stat says on standard error (the manager's death, the next
 * one followed, any failure) goes to a file beside it.
 *
 * <p>Thread safety: {@link #start} and {@link #stop} from the demo's thread.
 */
final class StatCapture {
    static final String FILE = "stat.jsonl";
    static final String ERRORS = "stat.err";
    private static final long INTERVAL_MILLIS = 500;
    /** How long {@link #stop} waits for one more report, so the capture reaches the run's end. */
    private static final long LAST_REPORT_WAIT_MILLIS = 4 * INTERVAL_MILLIS;

    private final Path file;
    private final AtomicInteger exitCode = new AtomicInteger(-1);
    private Thread thread;
    private PrintWriter out;
    private PrintWriter err;

    StatCapture(Path file) {
        this.file = file;
    }

    /** Starts capturing the manager of {@code store}, which must be running. */
    void start(Path store) throws IOException {
        out = new PrintWriter(Files.newBufferedWriter(file, StandardCharsets.UTF_8), true);
        err = new PrintWriter(Files.newBufferedWriter(file.resolveSibling(ERRORS), StandardCharsets.UTF_8), true);
        CommandLine stat = PageStoreCli.commandLine();
        stat.setOut(out);
        stat.setErr(err);
        thread = Thread.ofPlatform().daemon().name("demo-stat").start(() -> exitCode.set(stat.execute("stat",
                "--dir", store.toString(), "--interval", INTERVAL_MILLIS + "ms", "--format", "json")));
    }

    /**
     * Waits a little for one more report, then stops the capture; returns how many reports it holds. Idempotent:
     * the second call only counts.
     */
    long stop() throws IOException, InterruptedException {
        if (thread != null) {
            long before = reports();
            long until = System.nanoTime() + LAST_REPORT_WAIT_MILLIS * 1_000_000;
            while (reports() == before && thread.isAlive() && System.nanoTime() < until) {
                Thread.sleep(50);
            }
            thread.interrupt();  // stat sleeps between reports and between looks for a manager: this ends it
            thread.join(10_000);
            thread = null;
            out.close();
            err.close();
        }
        return reports();
    }

    /** What stat's run ended with: -1 while it runs or if it never ended, else its exit code (0 when stopped). */
    int exitCode() {
        return exitCode.get();
    }

    Path file() {
        return file;
    }

    private long reports() throws IOException {
        if (!Files.exists(file)) {
            return 0;
        }
        try (var lines = Files.lines(file)) {
            return lines.count();
        }
    }
}

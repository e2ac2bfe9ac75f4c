package dev.pagestore.demo;

import dev.pagestore.cli.PageStoreCli;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine;

/**
 * The demo's own {@code pagestore stat --format json} capture: the command runs on a thread of this process, from the
 * first manager's start to the report, and follows the restarted manager as any {@code stat} does. The capture is
 * what {@code bench/plot-stat.py} turns into charts.
 *
 * <p>Thread safety: {@link #start} and {@link #stop} from the demo's thread.
 */
final class StatCapture {
    static final String FILE = "stat.jsonl";
    private static final String INTERVAL = "500ms";

    private final Path file;
    private Thread thread;
    private PrintWriter out;

    StatCapture(Path file) {
        this.file = file;
    }

    /** Starts capturing the manager of {@code store}, which must be running. */
    void start(Path store) throws IOException {
        out = new PrintWriter(Files.newBufferedWriter(file, StandardCharsets.UTF_8), true);
        CommandLine stat = PageStoreCli.commandLine();
        stat.setOut(out);
        // The manager's death and the restart are the demo's own doing: stat's notes of them are not news here.
        stat.setErr(new PrintWriter(OutputStream.nullOutputStream()));
        thread = Thread.ofPlatform().daemon().name("demo-stat").start(() -> stat.execute("stat", "--dir",
                store.toString(), "--interval", INTERVAL, "--format", "json"));
    }

    /** Stops the capture; returns how many reports it holds. */
    long stop() throws IOException, InterruptedException {
        if (thread == null) {
            return 0;
        }
        thread.interrupt();  // stat sleeps between reports: the interrupt ends it
        thread.join(10_000);
        out.close();
        try (var lines = Files.lines(file)) {
            return lines.count();
        }
    }

    Path file() {
        return file;
    }
}

package dev.pagestore.bench.load;

import dev.pagestore.ipc.linux.ParentWatch;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The worker's side of the bench's line protocol, for every kind of worker (the store's, RocksDB's):
 * <pre>
 * worker: ready                              (attached / opened; nothing measured yet)
 * bench:  go WARMUP_NANOS DURATION_NANOS     (to every worker at once)
 * worker: progress OPS                       (about once a second: operations completed since go)
 * worker: result ...                         ({@link WorkerReport})
 * bench:  exit                               (then the worker exits 0)
 * </pre>
 * A worker stays until told, so that the bench can read its CPU time at the window's end whatever the order in which
 * the processes finish.
 * Every worker starts its clock when it reads {@code go}, so all windows start within a pipe's latency of each other
 * and of the bench's own, in which it samples {@code /proc}. A worker whose bench is gone halts at once
 * ({@link ParentWatch}): a {@code kill -9} of the bench leaves no load running.
 */
final class WorkerHarness {
    /** Exit code of a worker whose bench is gone, or that could not do its job (stderr says why). */
    static final int EXIT_FAILED = 1;

    private final PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
    private final BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    private volatile boolean finished;

    /** Halts this process once {@code benchPid} (its parent) has ended. */
    WorkerHarness(long benchPid) {
        ParentWatch.start(benchPid, () -> Runtime.getRuntime().halt(EXIT_FAILED));
    }

    void ready() {
        say("ready");
    }

    /** Waits for {@code go}, then starts the progress lines; the window is timed from the moment it arrived. */
    Measurement awaitGo() throws IOException {
        String line = in.readLine();
        long now = System.nanoTime();
        if (line == null || !line.startsWith("go ")) {
            throw new IOException("expected 'go WARMUP_NANOS DURATION_NANOS' from the bench, got " + line);
        }
        String[] parts = line.split(" ");
        Measurement measurement = new Measurement(now, Long.parseLong(parts[1]), Long.parseLong(parts[2]));
        Thread progress = new Thread(() -> {
            while (!finished) {
                say("progress " + measurement.completed());
                try {
                    TimeUnit.SECONDS.sleep(1);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "bench-progress");
        progress.setDaemon(true);
        progress.start();
        return measurement;
    }

    /** Sends the report, then waits for {@code exit} (or the end of stdin). */
    void result(WorkerReport report) throws IOException {
        finished = true;
        say(report.line());
        String line;
        do {
            line = in.readLine();
        } while (line != null && !line.equals("exit"));
    }

    /** Says why this worker cannot go on (stderr, which the bench keeps in the worker's log) and exits. */
    static void fail(String why) {
        System.err.println(why);
        System.err.flush();
        System.exit(EXIT_FAILED);
    }

    private synchronized void say(String line) {
        out.println(line);
        out.flush();
    }
}

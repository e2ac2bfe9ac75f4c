package dev.pagestore.bench.load;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.util.List;

/**
 * One {@code pagestore bench} from its validated settings to its exit code: the header, the runs, the reports, and
 * in every case the end of every child process and the removal of what the bench made in its directory, also when
 * the bench is stopped (Ctrl-C, SIGTERM: a shutdown hook does both). A failed run keeps the processes' logs.
 */
final class Invocation {
    private final BenchSettings settings;
    private final ScratchDirectory scratch;
    private final PrintWriter out;
    private final PrintWriter err;
    private final boolean terminal;
    private boolean cleanedUp;

    Invocation(BenchSettings settings, ScratchDirectory scratch, PrintWriter out, PrintWriter err, boolean terminal) {
        this.settings = settings;
        this.scratch = scratch;
        this.out = out;
        this.err = err;
        this.terminal = terminal;
    }

    int run() {
        Progress progress = new Progress(err, terminal);
        Thread stop = new Thread(() -> {
            Child.stopAll();
            cleanUp(false);
        }, "pagestore-bench-stop");
        Runtime.getRuntime().addShutdownHook(stop);
        boolean failed = true;
        try {
            TextReport report = new TextReport(settings, out);
            report.header(scratch.path().toString(), Files.getFileStore(scratch.path()).type());
            List<RunResult> results = new BenchRun(settings, scratch, progress).run();
            report.results(results);
            if (settings.jsonFile() != null) {
                JsonReport.write(settings.jsonFile(), settings, scratch.path().toString(),
                        Files.getFileStore(scratch.path()).type(), results);
                out.println("figures of every run: " + settings.jsonFile().toAbsolutePath());
                out.flush();
            }
            failed = false;
            return 0;
        } catch (IOException e) {
            progress.finish();
            err.println("pagestore bench: " + e.getMessage());
            return BenchCommand.EXIT_FAILED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            progress.finish();
            err.println("pagestore bench: interrupted");
            return BenchCommand.EXIT_FAILED;
        } catch (RuntimeException e) {
            progress.finish();
            err.println("pagestore bench: an internal failure: " + e);
            e.printStackTrace(err);
            return BenchCommand.EXIT_FAILED;
        } finally {
            Child.stopAll();
            try {
                Runtime.getRuntime().removeShutdownHook(stop);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs (or ran) already; cleanUp runs once
            }
            cleanUp(failed);
            err.flush();
        }
    }

    /** Removes what the bench made, once (the shutdown hook and the normal end may both ask). */
    private synchronized void cleanUp(boolean keepLogs) {
        if (cleanedUp) {
            return;
        }
        cleanedUp = true;
        if (settings.keep()) {
            err.println("pagestore bench: kept the store, the peer's data and the logs in " + scratch.path());
            return;
        }
        for (String left : scratch.cleanUp(keepLogs)) {
            err.println("pagestore bench: could not remove " + left);
        }
        if (keepLogs) {
            err.println("pagestore bench: the processes' logs are in " + scratch.path().resolve(ScratchDirectory.LOGS)
                    + "; delete " + scratch.path() + " when done");
        }
        err.flush();
    }
}

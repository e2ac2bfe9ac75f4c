package dev.pagestore.cli;

import dev.pagestore.demo.DemoRefusedException;
import dev.pagestore.demo.DemoRun;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code pagestore demo}: the main job end to end on this machine: a manager process, worker processes with page
 * caches under a mixed load, the manager killed with SIGKILL midway and restarted, and a check that no acknowledged
 * write was lost. Exit code 0 on PASS, 1 on FAIL.
 */
@Command(name = "demo",
        mixinStandardHelpOptions = true,
        description = {"Run the store end to end: start a manager, start worker processes doing a mixed page"
                + " workload (70%% reads, 30%% writes, some atomic batches) through their page caches, kill the"
                + " manager with SIGKILL midway and restart it, then verify from a fresh client that every"
                + " acknowledged write survived, and print throughput, latency percentiles, cache hit rate, WAL"
                + " group-commit figures and recovery time.",
                "DIR is emptied at the start of every run, but only when it is new, empty or a demo's (marked"
                        + " .pagestore-demo, its store the one the demo made) and no manager holds it; anything else"
                        + " is refused. The store is DIR/store, the logs DIR/logs. Stopping the demo (SIGTERM, Ctrl-C,"
                        + " even SIGKILL) ends its manager and workers.",
                "Exit code 0 on PASS, 1 on FAIL, 2 for a bad command line or a refused directory."})
public final class DemoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--dir", defaultValue = "pagestore-data",
            description = "The demo's directory, emptied at start when it is the demo's (default: ${DEFAULT-VALUE} in the"
                    + " current directory).")
    Path directory;

    @Option(names = "--seconds", defaultValue = "20",
            description = "How long the workers run (default ${DEFAULT-VALUE}).")
    double seconds;

    @Option(names = "--workers", defaultValue = "4", description = "Worker processes (default ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--pages", defaultValue = "4096", description = "Pages in the store (default ${DEFAULT-VALUE}).")
    long pages;

    @Option(names = "--kill-at", description = "Seconds into the run to SIGKILL the manager (default: half way;"
            + " 0: never).")
    Double killAtSeconds;

    @Option(names = "--backend", defaultValue = "auto",
            description = "The manager's device backend: auto (io_uring where available), io_uring, portable or"
                    + " simulated (default ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = "--wal-io", defaultValue = "auto",
            description = "The manager's WAL I/O: auto, portable, io_uring or file (see 'pagestore manager --help';"
                    + " default ${DEFAULT-VALUE}).")
    String walIo;

    @Option(names = "--seed", defaultValue = "1", description = "Workload seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--replicated", description = "Replicate the store: start a local cluster (ZooKeeper and 3"
            + " bookies, in DIR/cluster), the manager as a primary whose WAL goes to it, and a standby in DIR/standby;"
            + " SIGKILL the primary midway and let the standby take over instead of restarting it; then verify every"
            + " acknowledged write on the standby. Adds about 20 s of start-up (docs/REPLICATION.md).")
    boolean replicated;

    @Override
    public Integer call() throws IOException, InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        if (seconds <= 0 || workers < 1 || workers > 16 || pages < 4L * workers) {
            spec.commandLine().getErr().println("pagestore demo: need --seconds > 0, --workers in [1, 16] and"
                    + " --pages >= 4 x workers; got seconds=" + seconds + " workers=" + workers + " pages=" + pages);
            return 2;
        }
        double killAt = killAtSeconds != null ? killAtSeconds : seconds / 2;
        try {
            boolean terminal = System.console() != null && System.console().isTerminal();
            return new DemoRun(directory, seconds, workers, pages, killAt, seed, backend, walIo, replicated)
                    .run(out, terminal);
        } catch (DemoRefusedException e) {
            out.flush();
            spec.commandLine().getErr().println("pagestore demo: " + e.getMessage());
            return 2;
        } catch (IOException e) {
            out.flush();
            spec.commandLine().getErr().println("pagestore demo: " + e.getMessage());
            return 1;
        }
    }
}

package dev.pagestore.cli.stat;

import static dev.pagestore.status.StatusRegionDescriptor.STATE_STOPPED;

import dev.pagestore.status.StatusView;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code pagestore stat --dir DIR}: a live view of a running manager from its status region, like {@code iostat}. The
 * region has no name: the manager sends it over its control socket (OBSERVE), read-only, to a process of its own
 * user. When the manager dies, stat says so on standard error and waits for the next manager on the directory,
 * which it then follows: a restart is a gap in the reports, not their end.
 */
@Command(name = "stat",
        mixinStandardHelpOptions = true,
        description = {"Show a running manager's figures every interval, from its read-only status region: per"
                + " reactor IOPS, in-flight requests, latency p50/p99/p99.9 (all requests, reads, writes), busy %%"
                + " (time in loop passes that found work), pages per device doorbell and per reap of completions,"
                + " errors, invalid requests, timeouts and unmapped completions; attached workers, WAL fdatasyncs/s,"
                + " mean group-commit size,"
                + " the WAL writer's time in write and fdatasync per commit, WAL segments zero-filled (checkpoints"
                + " too seldom for the log's rate) or recycled; checkpoints, the last one's age, the durable LSN and"
                + " the log a restart would replay; attaches per second and control connections refused (bad"
                + " frames, refused attaches, foreign peers) per second and since start.",
                "--workers adds one line per attached worker channel: its pid and name, IOPS and MB/s by direction,"
                        + " requests in flight, timeouts, invalid requests, errors, and its page cache's hit rate and"
                        + " evictions as the worker reports them.",
                "When the manager dies, stat waits for the next one on DIR and follows it (the messages go to"
                        + " standard error; standard output keeps its format).",
                "Latencies come from log-linear buckets (32 per power of two): a figure is within 1.6%% of the"
                        + " exact quantile."})
public final class StatCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--dir", required = true, description = "The manager's data directory.")
    Path directory;

    @Option(names = "--interval", defaultValue = "1s",
            description = "Time between reports: 500ms, 1s, 2s... (default ${DEFAULT-VALUE}).")
    String interval;

    @Option(names = "--count", defaultValue = "0", description = "Reports to print, then exit (0: until Ctrl-C).")
    long count;

    @Option(names = "--format", defaultValue = "text", paramLabel = "FORMAT",
            description = "text (the default: a table per interval), json (one JSON object per interval and line)"
                    + " or prometheus (the text exposition format: totals, gauges and latency histograms, one"
                    + " snapshot per interval, each ending with a blank line).")
    String format;

    @Option(names = "--workers", description = "Also show one line per attached worker channel (text format; json"
            + " and prometheus always carry them).")
    boolean workers;

    @Option(names = "--no-follow", description = "Exit (code 1) when the manager dies or stops instead of waiting"
            + " for the next one: for jobs that must end, such as a node_exporter textfile collector's.")
    boolean noFollow;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        long intervalMillis;
        String kind = format.toLowerCase(Locale.ROOT);
        try {
            intervalMillis = parseMillis(interval);
            if (!kind.equals("text") && !kind.equals("json") && !kind.equals("prometheus")) {
                throw new IllegalArgumentException("--format " + format + " is not text, json or prometheus");
            }
        } catch (IllegalArgumentException e) {
            err.println("pagestore stat: " + e.getMessage());
            return 2;
        }
        if (!Files.isDirectory(directory)) {
            err.println("pagestore stat: " + directory + " is not a directory");
            return 1;
        }
        StatusView status;
        try {
            status = StatusView.observe(directory);
        } catch (IOException e) {
            err.println("pagestore stat: no manager runs on " + directory + " (" + e.getMessage()
                    + "); start one with 'pagestore manager --dir " + directory + "'");
            return 1;
        }
        ProcessHandle manager = ProcessHandle.of(status.managerPid()).orElse(null);
        if (!serves(status, manager)) {
            err.println("pagestore stat: no manager runs on " + directory + " (the status region names pid "
                    + status.managerPid() + ", which is " + (status.state() == STATE_STOPPED ? "stopped" : "gone")
                    + ")");
            status.close();
            return 1;
        }
        try {
            StatSample previous = StatSample.of(status);
            if (kind.equals("text")) {
                StatText.manager(out, previous, directory);
            }
            for (long n = 0; count == 0 || n < count; ) {
                Thread.sleep(intervalMillis);
                if (!serves(status, manager)) {
                    err.println("pagestore stat: manager pid " + status.managerPid() + " "
                            + (status.state() == STATE_STOPPED ? "stopped" : "is gone")
                            + (noFollow ? "" : "; waiting for the next manager on " + directory));
                    err.flush();
                    status.close();
                    status = null;
                    if (noFollow) {
                        return 1;
                    }
                    status = awaitManager(intervalMillis);
                    manager = ProcessHandle.of(status.managerPid()).orElse(null);
                    previous = StatSample.of(status);
                    err.println("pagestore stat: following manager pid " + status.managerPid() + " (epoch "
                            + status.epoch() + ")");
                    err.flush();
                    if (kind.equals("text")) {
                        StatText.manager(out, previous, directory);
                    }
                    continue;
                }
                StatSample now = StatSample.of(status);
                switch (kind) {
                    case "json" -> StatJson.interval(out, previous, now);
                    case "prometheus" -> StatPrometheus.snapshot(out, now);
                    default -> {
                        StatText.interval(out, previous, now);
                        if (workers) {
                            StatText.workers(out, previous, now, now.global()[StatSample.WORKERS]);
                        }
                    }
                }
                previous = now;
                n++;
            }
        } catch (InterruptedException e) {
            // Stopped by its caller (a program running stat on a thread): an end like --count's, not a failure.
            Thread.currentThread().interrupt();
        } finally {
            if (status != null) {
                status.close();
            }
        }
        return 0;
    }

    /**
     * Whether the manager of {@code status} still runs and has not stopped. {@code manager} is the handle taken when
     * the region was observed: its {@code isAlive} also compares the process's start time, so a pid reused by another
     * process after the manager's death is not taken for it.
     */
    private static boolean serves(StatusView status, ProcessHandle manager) {
        return status.state() != STATE_STOPPED && manager != null && manager.isAlive();
    }

    /** Observes the directory every interval until a manager there serves; interrupted by Ctrl-C only. */
    private StatusView awaitManager(long intervalMillis) throws InterruptedException {
        while (true) {
            Thread.sleep(intervalMillis);
            try {
                StatusView status = StatusView.observe(directory);
                if (serves(status, ProcessHandle.of(status.managerPid()).orElse(null))) {
                    return status;
                }
                status.close();
            } catch (IOException e) {
                // no manager yet (or one still starting): look again next interval
            }
        }
    }

    static long parseMillis(String text) {
        String t = text.trim();
        try {
            if (t.endsWith("ms")) {
                return positive(Long.parseLong(t.substring(0, t.length() - 2)), text);
            } else if (t.endsWith("s")) {
                return positive(Math.round(Double.parseDouble(t.substring(0, t.length() - 1)) * 1000), text);
            }
            return positive(Duration.parse(t).toMillis(), text);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("interval=" + text + " is not a duration like 500ms or 1s");
        }
    }

    private static long positive(long millis, String text) {
        if (millis <= 0) {
            throw new IllegalArgumentException("interval=" + text + " must be positive");
        }
        return millis;
    }
}

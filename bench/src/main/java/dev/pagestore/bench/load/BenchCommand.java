package dev.pagestore.bench.load;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code pagestore bench}: a load generator for operators ({@code bin/pagestore bench}, which runs this class from
 * the bench module so that the pagestore artifact carries none of the peers). Each run starts a manager process on a
 * scratch store and worker processes attached through the public client, warms up, measures a window, and reports
 * throughput, latency percentiles merged over all workers, CPU per operation of every process from {@code /proc},
 * and the manager's memory per attached worker; optionally alternating with fio or RocksDB on the same file system.
 */
@Command(name = "pagestore bench",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        versionProvider = BenchCommand.Version.class,
        usageHelpWidth = 110,
        optionListHeading = "%nOptions:%n",
        description = {
                "Measure the store under a load you choose, the way its users run it: a manager process on a scratch"
                        + " store in DIR, and worker processes attached through the public client, each keeping"
                        + " --depth page reads and writes outstanding. Each run warms up, then measures a window;"
                        + " with --runs, the report gives the median of each figure over the runs.",
                "",
                "Reported: operations per second; latency percentiles (p50, p90, p99, p99.9, max) of every"
                        + " worker's HdrHistogram merged; CPU microseconds per operation of the manager, of the"
                        + " workers and in total, from /proc/PID/stat over the window, for every process involved;"
                        + " the manager's resident memory (VmRSS) per attached worker; the page cache's hit ratio;"
                        + " errors by type.",
                "",
                "--compare fio alternates each run with fio (io_uring, O_DIRECT, durable writes, --workers jobs of"
                        + " --depth) on a file of the working set's size next to the store: the"
                        + " device's ceiling. --compare rocksdb alternates with RocksDB (synchronous gets and sync"
                        + " puts from workers x depth threads in one process). Both are measured as the store is.",
                "",
                "Progress goes to stderr (redrawn once a second on a terminal, a line per phase elsewhere), results"
                        + " to stdout. Example: pagestore bench --workers 2 --depth 8 --duration 10 --warmup 10"
                        + " --compare fio"},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
                "0:every run finished (errors of single operations are counted in the report, not here)",
                "1:a run failed (a process did not start or died, fio or the manager failed): the message says"
                        + " which and where its log is (kept in DIR/logs)",
                "2:a bad command line, or a --dir that is neither new nor empty"},
        footerHeading = "%n",
        footer = "Read further: 'pagestore bench' in docs/operations.md.")
public final class BenchCommand implements Callable<Integer> {
    static final int EXIT_FAILED = 1;
    static final int EXIT_USAGE = 2;
    static final int WORKERS_MAX = 256;
    /** The manager's ring capacity: a worker's outstanding requests beyond it would only wait for a slot. */
    static final int DEPTH_MAX = 64;
    /** Attachments a manager allows in all (a synchronous worker attaches each of its threads). */
    static final int ATTACHMENTS_MAX = 256;
    static final Set<Integer> PAGE_SIZES = Set.of(4096, 8192, 16384);
    /** Manager options the bench sets itself. */
    static final Set<String> MANAGED_OPTIONS = Set.of("--dir", "--create", "--capacity", "--capacity-pages",
            "--page-size", "--exit-with-parent", "--help", "-h", "--version", "-V");

    @Spec
    CommandSpec spec;

    @Option(names = "--dir", paramLabel = "DIR", defaultValue = "pagestore-bench",
            description = "A new or empty directory for the scratch store, the peer's data and the processes' logs"
                    + " (anything else is refused); removed at the end, but for the logs when a run failed"
                    + " (default: ${DEFAULT-VALUE} in the current directory). Put it on the file system to measure.")
    Path directory;

    @Option(names = "--workers", paramLabel = "N", defaultValue = "4",
            description = "Worker processes, each attached through its own client (default ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--depth", paramLabel = "D", defaultValue = "8",
            description = "Requests each worker keeps outstanding, 1 to " + DEPTH_MAX + " (with --sync: threads per"
                    + " worker, each one call at a time) (default ${DEFAULT-VALUE}).")
    int depth;

    @Option(names = "--duration", paramLabel = "SECONDS", defaultValue = "10",
            description = "The measured window of each run (default ${DEFAULT-VALUE}).")
    double durationSeconds;

    @Option(names = "--warmup", paramLabel = "SECONDS", defaultValue = "5",
            description = "Load before each window, not measured (default ${DEFAULT-VALUE}). Worker JVMs start"
                    + " cold: with less than 10 s the JIT compiler still works in the window, so use 15 or more to"
                    + " compare two builds, or a build with more code looks slower than it is.")
    double warmupSeconds;

    @Option(names = "--read-percent", paramLabel = "P", defaultValue = "70",
            description = "Reads among operations, 0 to 100; the rest write whole pages (default ${DEFAULT-VALUE}).")
    int readPercent;

    @Option(names = "--pages", paramLabel = "N", defaultValue = "65536",
            description = "The working set in pages: the scratch store's capacity, every page written once before"
                    + " the first run (default ${DEFAULT-VALUE}, 256 MiB of 4 KiB pages).")
    long pages;

    @Option(names = "--skew", paramLabel = "uniform|zipfian", defaultValue = "uniform",
            description = "How pages are chosen: uniform, or zipfian (a few hot pages, Zipf's law with --theta)"
                    + " (default ${DEFAULT-VALUE}).")
    Skew skew;

    @Option(names = "--theta", paramLabel = "T", defaultValue = "0.99",
            description = "Zipf's exponent with --skew zipfian, between 0 and 1: higher is more skewed (default"
                    + " ${DEFAULT-VALUE}, YCSB's).")
    double theta;

    @Option(names = "--cache-mb", paramLabel = "M", defaultValue = "0",
            description = "A page cache (Caffeine, coherent across processes) of M MiB in each worker, which reads"
                    + " and writes go through; 0 for none (default ${DEFAULT-VALUE}). Its calls are synchronous, so"
                    + " a cache implies --sync. The report adds its hit ratio.")
    long cacheMiB;

    @Option(names = "--sync",
            description = "Each worker runs --depth threads, each making one synchronous call at a time (a write"
                    + " returns once durable), instead of one thread keeping --depth asynchronous requests"
                    + " outstanding.")
    boolean sync;

    @Option(names = "--futures",
            description = "The worker's one thread keeps --depth requests outstanding through futures, whose"
                    + " callbacks run on the client's completion thread, instead of collecting them itself through"
                    + " the client's poller (the default: no other thread of the worker runs per request).")
    boolean futures;

    @Option(names = "--page-size", paramLabel = "BYTES", defaultValue = "4096",
            description = "The scratch store's page size: 4096, 8192 or 16384 (default ${DEFAULT-VALUE}); also fio's"
                    + " block size and RocksDB's value size.")
    int pageSizeBytes;

    @Option(names = "--runs", paramLabel = "R", defaultValue = "1",
            description = "Runs of the store, each with fresh processes; with --compare, as many of the peer,"
                    + " alternating (store, peer, store, peer...). The report gives medians (default"
                    + " ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--compare", paramLabel = "none|fio|rocksdb", defaultValue = "none",
            description = "A peer to alternate with on the same file system: fio (needs fio installed) or rocksdb"
                    + " (default ${DEFAULT-VALUE}).")
    BenchSettings.Peer peer;

    @Option(names = "--fio-sync", paramLabel = "auto|fdatasync|dsync", defaultValue = "auto",
            description = "How fio makes writes durable: fdatasync (an fdatasync after each write, --fdatasync=1),"
                    + " dsync (O_DSYNC: each write durable when it completes, as the store's), or auto: fdatasync"
                    + " for writes alone, dsync for a mix, where fio's --fdatasync=1 would follow reads with an"
                    + " fdatasync too (default ${DEFAULT-VALUE}).")
    BenchSettings.FioSync fioSync;

    @Option(names = "--json", paramLabel = "FILE",
            description = "Also write every figure of every run, the medians and the latency percentiles of all runs"
                    + " merged to FILE as JSON (the shape is in docs/operations.md).")
    Path jsonFile;

    @Option(names = "--manager-opt", paramLabel = "OPTION",
            description = "An option for the manager ('pagestore manager --help'), repeatable; write it attached:"
                    + " --manager-opt=--reactors=2. The bench sets --dir, --create, --capacity-pages and --page-size.")
    List<String> managerOptions = new ArrayList<>();

    @Option(names = "--seed", paramLabel = "S", defaultValue = "1",
            description = "The workload's random seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--keep",
            description = "Keep the scratch store, the peer's data and the logs in DIR at the end.")
    boolean keep;

    /** Whether the progress line may be redrawn in place: stderr is a terminal (set by {@link #main}). */
    boolean stderrTerminal;

    public static void main(String[] args) {
        CommandLine commandLine = commandLine();
        ((BenchCommand) commandLine.getCommand()).stderrTerminal = ProcFs.stderrIsTerminal();
        System.exit(commandLine.execute(args));
    }

    /** A fresh command line, ready to {@code execute}; tests redirect its output with {@code setOut/setErr}. */
    public static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(new BenchCommand());
        commandLine.setCaseInsensitiveEnumValuesAllowed(true);
        commandLine.setParameterExceptionHandler((exception, args) -> {
            PrintWriter err = exception.getCommandLine().getErr();
            err.println("pagestore bench: " + exception.getMessage());
            err.println("Try 'pagestore bench --help' for the options.");
            return EXIT_USAGE;
        });
        return commandLine;
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String problem = problem();
        if (problem != null) {
            err.println("pagestore bench: " + problem);
            err.println("Try 'pagestore bench --help' for the options.");
            return EXIT_USAGE;
        }
        BenchSettings settings = new BenchSettings(workers, depth, warmupSeconds, durationSeconds, readPercent, pages,
                skew, theta, cacheMiB, sync, futures, pageSizeBytes, runs, peer, fioSync, managerOptions, seed,
                jsonFile, keep);
        try {
            if (peer == BenchSettings.Peer.FIO) {
                FioRunner.checkInstalled();
            }
        } catch (IOException e) {
            err.println("pagestore bench: " + e.getMessage());
            return EXIT_FAILED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return EXIT_FAILED;
        }
        ScratchDirectory scratch;
        try {
            scratch = ScratchDirectory.claim(directory);
        } catch (ScratchDirectory.RefusedException e) {
            err.println("pagestore bench: " + e.getMessage());
            return EXIT_USAGE;
        } catch (IOException e) {
            err.println("pagestore bench: cannot make --dir " + directory + ": " + e);
            return EXIT_FAILED;
        }
        return new Invocation(settings, scratch, out, err, stderrTerminal).run();
    }

    /** What is wrong with the options, or null; each message names the option and the value. */
    String problem() {
        if (workers < 1 || workers > WORKERS_MAX) {
            return "--workers=" + workers + " must be in [1, " + WORKERS_MAX + "]";
        }
        if (depth < 1 || depth > DEPTH_MAX) {
            return "--depth=" + depth + " must be in [1, " + DEPTH_MAX + "] (a worker's ring has " + DEPTH_MAX
                    + " slots)";
        }
        if ((sync || cacheMiB > 0) && (long) workers * depth > ATTACHMENTS_MAX) {
            return "--workers x --depth = " + (long) workers * depth + " threads, each attached, is more than the "
                    + ATTACHMENTS_MAX + " attachments a manager allows";
        }
        if (!(durationSeconds > 0 && durationSeconds <= 86_400)) {
            return "--duration=" + durationSeconds + " must be in (0, 86400] seconds";
        }
        if (!(warmupSeconds >= 0 && warmupSeconds <= 86_400)) {
            return "--warmup=" + warmupSeconds + " must be in [0, 86400] seconds";
        }
        if (readPercent < 0 || readPercent > 100) {
            return "--read-percent=" + readPercent + " must be in [0, 100]";
        }
        if (pages < 1 || pages > ZipfianPicker.PAGES_MAX) {
            return "--pages=" + pages + " must be in [1, " + ZipfianPicker.PAGES_MAX + "]";
        }
        if (!(theta > 0 && theta < 1)) {
            return "--theta=" + theta + " must be between 0 and 1, both excluded";
        }
        if (cacheMiB < 0 || cacheMiB > 65_536) {
            return "--cache-mb=" + cacheMiB + " must be in [0, 65536]";
        }
        if (!PAGE_SIZES.contains(pageSizeBytes)) {
            return "--page-size=" + pageSizeBytes + " must be 4096, 8192 or 16384";
        }
        if (runs < 1 || runs > 1000) {
            return "--runs=" + runs + " must be in [1, 1000]";
        }
        if (jsonFile != null && Files.isDirectory(jsonFile)) {
            return "--json=" + jsonFile + " is a directory; give a file";
        }
        for (String option : managerOptions) {
            String name = option.contains("=") ? option.substring(0, option.indexOf('=')) : option;
            if (!option.startsWith("-")) {
                return "--manager-opt=" + option + " is not an option; write it attached, like"
                        + " --manager-opt=--reactors=2";
            }
            if (MANAGED_OPTIONS.contains(name.toLowerCase(Locale.ROOT))) {
                return "--manager-opt=" + option + ": the bench sets " + name + " itself";
            }
        }
        return null;
    }

    /** The bench's version: the pagestore artifact's. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            Package own = BenchCommand.class.getPackage();
            String version = own != null && own.getImplementationVersion() != null ? own.getImplementationVersion()
                    : "(development build)";
            return new String[] {"pagestore bench " + version, "Java " + Runtime.version()};
        }
    }
}

package dev.pagestore.bench;

import dev.pagestore.wal.FileLogDirectory;
import dev.pagestore.wal.IoUringLogDirectory;
import dev.pagestore.wal.LogDirectory;
import dev.pagestore.wal.PageReplayer;
import dev.pagestore.wal.PortableLogDirectory;
import dev.pagestore.wal.WalConfig;
import dev.pagestore.wal.WalRecordDescriptor;
import dev.pagestore.wal.WriteAheadLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * WAL benchmark: durable page-image appends per second with 1, 8 and 64 appenders for 4 KiB and 8 KiB
 * pages, p50/p99 commit latency and mean batch size; peers in the same run: a naive write + fdatasync per record,
 * {@code fio --rw=write --bs=8k --fdatasync=1}, and for each appender count the disk's ceiling
 * ({@link Fio#ceilingAppendsPerSecond}; for the io_uring directories also through fio's io_uring engine);
 * then recovery of a 1 GiB WAL read with {@code O_DIRECT} against
 * {@code fio --rw=read --bs=1M --direct=1} on the same files. Every figure is the median of {@code runs} runs.
 *
 * <pre>
 * ./mvnw -q -pl bench -am package -DskipTests
 * /usr/lib/jvm/temurin-25-jdk-amd64/bin/java --enable-native-access=ALL-UNNAMED -cp bench/target/benchmarks.jar \
 *     dev.pagestore.bench.WalBench bench/target/walbench 5 3 1024
 * </pre>
 * Arguments: directory on the disk under test (not tmpfs), seconds per measurement (0: recovery only), runs,
 * recovery WAL size in MiB.
 *
 * <p>{@code -Dpagestore.walbench.directory=} chooses the WAL's {@link LogDirectory} for the WAL rows and the recovery
 * WAL: {@code file} (default: {@link FileLogDirectory}, {@code pwrite} + {@code fdatasync} on the WAL writer thread),
 * {@code portable} ({@link PortableLogDirectory}: the same system calls, made by a synchronous queue pair the writer
 * owns), {@code uring} ({@link IoUringLogDirectory}, buffered: the writer writes and {@code fdatasync}s through an
 * io_uring queue pair it owns) or {@code uring-direct} (the same with {@code O_DIRECT}). The recovery scan reads with
 * {@code O_DIRECT} through {@link FileLogDirectory} for {@code file} and {@code portable}, and through io_uring for
 * the others.
 */
public final class WalBench {
    private static final int[] PAGE_SIZES = intList("pagestore.walbench.pageSizes", "4096,8192");
    private static final int[] APPENDERS = intList("pagestore.walbench.appenders", "1,8,64");
    /** {@code -Dpagestore.walbench.peers=false} skips fio and the naive peer (quick WAL-only reruns). */
    private static final boolean PEERS = !"false".equals(System.getProperty("pagestore.walbench.peers"));

    private static int[] intList(String property, String defaults) {
        String value = System.getProperty(property, defaults);
        try {
            return java.util.Arrays.stream(value.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(property + "=" + value + " is not a comma-separated list of integers");
        }
    }

    /** The one warm-up pass before the first measured point of a process (each point also warms up for 1 s). */
    private static final int WARM_UP_SECONDS = 3;
    private static final int WARM_UP_APPENDERS = 8;
    private static final List<String> ENGINE_CEILING = WalBenchDirectories.ENGINE_CEILING;

    private WalBench() {
    }

    private static final String USAGE = """
            Usage: WalBench [directory [seconds [runs [recoveryMiB]]]]
              directory    where the WALs and fio's files go, on the disk under test (default bench/target/walbench).
                           Emptied first: it must be empty, missing, or made by an earlier WalBench run.
              seconds      measured seconds per point, after 1 s of warm-up (and up to 3 s with 8 appenders
                           before the first point); 0 runs the recovery part only (default 5)
              runs         runs per point; every figure printed is their median (default 3)
              recoveryMiB  size of the WAL whose recovery is measured; 0 skips it (default 1024)
            Properties (-D...):
              pagestore.walbench.directory  file | portable | uring | uring-direct: the WAL's LogDirectory
                                            (default file; portable: synchronous queue pairs)
              pagestore.walbench.appenders  appender thread counts, comma-separated (default 1,8,64)
              pagestore.walbench.pageSizes  page sizes in bytes, comma-separated (default 4096,8192)
              pagestore.walbench.peers      false skips the peers: fio, the naive log and the ceiling
                                            (for uring and uring-direct measured twice: with fio's
                                            default engine and with --ioengine=io_uring)
              pagestore.walbench.wait       block (default): a thread per appender in appendAndWait;
                                            future: a thread per appender joining a CompletableFuture;
                                            reactor: N appenders are N appends kept in flight by driver threads
                                            through the callback API, as the manager's reactors append
              pagestore.walbench.reactors   driver threads for wait=reactor (default 1)
              pagestore.walbench.checkpointMillis
                                            checkpoint every this many ms beside the appenders, so that
                                            segments are recycled as in a database's steady state (default 0:
                                            none, every segment is a new zero-filled file)
            """;
    /** Marks a directory as WalBench's own, so that a later run may empty it. */
    private static final String MARKER = ".walbench";

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && (args[0].equals("--help") || args[0].equals("-h"))) {
            System.out.print(USAGE);
            return;
        }
        if (args.length > 4) {
            usageError(args.length + " arguments, at most 4 expected");
        }
        Path root = Path.of(args.length > 0 ? args[0] : "bench/target/walbench").toAbsolutePath();
        int seconds = args.length > 1 ? nonNegative("seconds", args[1]) : 5;
        int runs = args.length > 2 ? nonNegative("runs", args[2]) : 3;
        long recoveryMiB = args.length > 3 ? nonNegative("recoveryMiB", args[3]) : 1024;
        if (runs == 0) {
            usageError("runs=0: at least one run is needed for a median");
        }
        if (!List.of("block", "future", "reactor").contains(WalAppendRun.WAIT)) {
            usageError("pagestore.walbench.wait=" + WalAppendRun.WAIT + " is not one of block, future, reactor");
        }
        if (WalAppendRun.CHECKPOINT_MILLIS < 0) {
            usageError("pagestore.walbench.checkpointMillis=" + WalAppendRun.CHECKPOINT_MILLIS + " is negative");
        }
        if (WalAppendRun.REACTORS < 1) {
            usageError("pagestore.walbench.reactors=" + WalAppendRun.REACTORS + ": at least one driver thread is needed");
        }
        emptyOwnDirectory(root);
        System.out.printf("# WalBench: %s, %d s per measurement, median of %d runs, nproc=%d, JDK %s%n", root, seconds,
                runs, Runtime.getRuntime().availableProcessors(), Runtime.version());
        System.out.println("# CPU: " + cpuModel() + "; file system: " + fileSystemOf(root) + "; WAL directory: "
                + WalBenchDirectories.walDirectory(root.resolve("probe")));
        WalBenchDirectories.deleteRecursively(root.resolve("probe"));

        // the 64-appender target is bounded by 0.8x the disk's sequential write bandwidth
        double sequentialWrite = -1;
        if (PEERS && seconds > 0) {
            List<Double> rates = new ArrayList<>();
            for (int run = 0; run < runs; run++) {
                rates.add(Fio.sequentialWriteMiBPerSecond(root));
            }
            sequentialWrite = Medians.of(rates);
            System.out.printf("fio --rw=write --bs=1M --direct=1 --size=512m (sequential write): %.0f MiB/s (median) "
                    + "runs %s%n", sequentialWrite, rates.stream().map(x -> String.format("%.0f", x)).toList());
        }

        // peers and the WAL interleaved run by run, so a slow phase of the shared disk hits all of them alike;
        // SECONDS 0 skips the appends and measures recovery only
        for (int pageSize : seconds > 0 ? PAGE_SIZES : new int[0]) {
            Path directory = root.resolve("wal-" + pageSize);
            WalConfig config = WalConfig.defaults(pageSize);
            List<Double> fio = new ArrayList<>();
            List<AppendResult> naive = new ArrayList<>();
            List<List<AppendResult>> wal = new ArrayList<>();
            List<List<Double>> ceiling = new ArrayList<>();
            List<List<Double>> engineCeiling = new ArrayList<>();
            for (int ignored : APPENDERS) {
                wal.add(new ArrayList<>());
                ceiling.add(new ArrayList<>());
                engineCeiling.add(new ArrayList<>());
            }
            try (WriteAheadLog log = WriteAheadLog.open(WalBenchDirectories.walDirectory(directory), config, PageReplayer.NONE)) {
                if (pageSize == PAGE_SIZES[0]) {
                    // not measured: whichever point came first lost up to a third to warm-up of the append path
                    // (bench/results/wal/2026-11-26-portable-1app-order.txt)
                    int warmUpSeconds = Math.min(WARM_UP_SECONDS, seconds);
                    WalAppendRun.run(log, pageSize, WARM_UP_APPENDERS, warmUpSeconds);
                    System.out.printf("# warm-up: %d s with %d appenders, not measured%n", warmUpSeconds,
                            WARM_UP_APPENDERS);
                }
                for (int run = 0; run < runs; run++) {
                    if (PEERS) {
                        fio.add(Fio.fdatasyncWritesPerSecond(root, pageSize, seconds));
                        naive.add(NaiveLogPeer.run(root, pageSize, seconds));
                        for (int a = 0; a < APPENDERS.length; a++) {
                            ceiling.get(a).add(Fio.ceilingAppendsPerSecond(root, pageSize, APPENDERS[a], seconds,
                                    List.of()));
                            if (!ENGINE_CEILING.isEmpty()) {
                                engineCeiling.get(a).add(Fio.ceilingAppendsPerSecond(root, pageSize, APPENDERS[a],
                                        seconds, ENGINE_CEILING));
                            }
                        }
                    }
                    for (int a = 0; a < APPENDERS.length; a++) {
                        wal.get(a).add(WalAppendRun.run(log, pageSize, APPENDERS[a], seconds));
                    }
                }
            }
            WalBenchDirectories.deleteRecursively(directory);
            if (PEERS) {
                System.out.printf("fio --rw=write --bs=%dk --fdatasync=1: %.0f writes/s (median) runs %s%n",
                        pageSize / 1024, Medians.of(fio), fio.stream().map(x -> String.format("%.0f", x)).toList());
                AppendResult n = Medians.byRate(naive);
                System.out.printf("naive pwrite+fdatasync %d KiB: %.0f ops/s p50 %.0f us p99 %.0f us   runs %s%n",
                        pageSize / 1024, n.opsPerSecond(), n.p50Micros(), n.p99Micros(),
                        naive.stream().map(x -> String.format("%.0f", x.opsPerSecond())).toList());
            }
            for (int a = 0; PEERS && a < APPENDERS.length; a++) {
                System.out.printf("ceiling for %2d appenders, %d KiB: fio --overwrite=1 --bs=%dk --fdatasync=1: %.0f "
                                + "appends/s (median) runs %s%n", APPENDERS[a], pageSize / 1024,
                        Fio.ceilingBlockBytes(pageSize, APPENDERS[a]) / 1024, Medians.of(ceiling.get(a)),
                        ceiling.get(a).stream().map(x -> String.format("%.0f", x)).toList());
                if (!ENGINE_CEILING.isEmpty()) {
                    System.out.printf("ceiling for %2d appenders, %d KiB, %s: %.0f appends/s (median) runs %s%n",
                            APPENDERS[a], pageSize / 1024, String.join(" ", ENGINE_CEILING),
                            Medians.of(engineCeiling.get(a)),
                            engineCeiling.get(a).stream().map(x -> String.format("%.0f", x)).toList());
                }
            }
            for (int a = 0; a < APPENDERS.length; a++) {
                AppendResult r = Medians.byRate(wal.get(a));
                System.out.printf("WAL %d KiB, %2d appenders: %8.0f appends/s  p50 %7.0f us  p99 %7.0f us  "
                                + "p99.9 %7.0f us  max %7.0f us  mean batch %.1f   runs %s%n", pageSize / 1024,
                        APPENDERS[a], r.opsPerSecond(), r.p50Micros(), r.p99Micros(), r.p999Micros(), r.maxMicros(),
                        r.meanBatch(),
                        wal.get(a).stream().map(x -> String.format("%.0f", x.opsPerSecond())).toList());
                System.out.printf("    (that run: %s)%n", r.commitTime());
            }
            if (PEERS) {
                printAgainstTargets(pageSize, wal, ceiling, engineCeiling, sequentialWrite);
            }
        }

        // sequential bandwidth and recovery
        if (recoveryMiB > 0) {
            WalRecoveryBench.run(root, recoveryMiB, runs);
        }
    }

    /**
     * The WAL rows against the ceiling peer, and, when 1 and 64 appenders were measured, against the WAL's target:
     * 64 appenders at least min(20x the 1-appender rate, 0.8x the sequential write bandwidth in records of this size).
     */
    private static void printAgainstTargets(int pageSize, List<List<AppendResult>> wal, List<List<Double>> ceiling,
                                            List<List<Double>> engineCeiling, double sequentialWriteMiB) {
        double one = -1;
        double sixtyFour = -1;
        for (int a = 0; a < APPENDERS.length; a++) {
            double rate = Medians.byRate(wal.get(a)).opsPerSecond();
            System.out.printf("WAL %d KiB, %2d appenders: %.2f of the ceiling%s%n", pageSize / 1024, APPENDERS[a],
                    rate / Medians.of(ceiling.get(a)), ENGINE_CEILING.isEmpty() ? "" : String.format(
                            ", %.2f of the ceiling with %s", rate / Medians.of(engineCeiling.get(a)),
                            String.join(" ", ENGINE_CEILING)));
            one = APPENDERS[a] == 1 ? rate : one;
            sixtyFour = APPENDERS[a] == 64 ? rate : sixtyFour;
        }
        if (one > 0 && sixtyFour > 0) {
            long record = WalRecordDescriptor.alignedLength(WalRecordDescriptor.pageImagesLength(1, pageSize));
            double bandwidthBound = 0.8 * sequentialWriteMiB * (1 << 20) / record;
            double target = Math.min(20 * one, bandwidthBound);
            System.out.printf("WAL %d KiB, 64 appenders against the target: %.0f / min(20 x %.0f = %.0f, "
                            + "0.8 x %.0f MiB/s in %d-byte records = %.0f) = %.2f%n", pageSize / 1024, sixtyFour, one,
                    20 * one, sequentialWriteMiB, record, bandwidthBound, sixtyFour / target);
        }
    }

    private static String cpuModel() throws IOException {
        try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            return lines.filter(l -> l.startsWith("model name")).findFirst().map(l -> l.substring(l.indexOf(':') + 2))
                    .orElse("unknown");
        }
    }

    private static String fileSystemOf(Path path) throws IOException {
        return Files.getFileStore(path).type() + " (" + Files.getFileStore(path).name() + ")";
    }

    private static int nonNegative(String name, String value) {
        try {
            int parsed = Integer.parseInt(value);
            if (parsed >= 0) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // reported below with the usage
        }
        usageError(name + "=" + value + " is not a non-negative integer");
        return -1; // not reached
    }

    private static void usageError(String message) {
        System.err.println("WalBench: " + message);
        System.err.print(USAGE);
        System.exit(2);
    }

    /** Empties {@code root} for a run, refusing to delete anything WalBench did not make; leaves the marker in it. */
    private static void emptyOwnDirectory(Path root) throws IOException {
        if (Files.exists(root)) {
            if (!Files.isDirectory(root)) {
                usageError(root + " is not a directory");
            }
            boolean empty;
            try (var entries = Files.list(root)) {
                empty = entries.findAny().isEmpty();
            }
            if (!empty && !Files.exists(root.resolve(MARKER))) {
                usageError(root + " is not empty and holds no " + MARKER + " marker from an earlier run: refusing to "
                        + "delete its contents; name an empty or new directory");
            }
            WalBenchDirectories.deleteRecursively(root);
        }
        Files.createDirectories(root);
        Files.createFile(root.resolve(MARKER));
    }


}

package dev.pagestore.bench;

import dev.pagestore.wal.FileLogDevice;
import dev.pagestore.wal.FileLogDirectory;
import dev.pagestore.wal.IoUringLogDirectory;
import dev.pagestore.wal.LogDirectory;
import dev.pagestore.wal.PageReplayer;
import dev.pagestore.wal.PortableLogDirectory;
import dev.pagestore.wal.RecoveryReport;
import dev.pagestore.wal.WalConfig;
import dev.pagestore.wal.WalMetrics;
import dev.pagestore.wal.WalRecordDescriptor;
import dev.pagestore.wal.WalRecovery;
import dev.pagestore.wal.WriteAheadLog;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;

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

    private record Result(double opsPerSecond, double p50Micros, double p99Micros, double p999Micros, double maxMicros,
                          double meanBatch, CommitTime commitTime) {
    }

    /**
     * Where the WAL's commits spent their time while measured, per commit: in the device's writes, in fdatasync, and
     * elsewhere (waiting for the appends, encoding them, telling the appenders); and how many segments were made
     * anew by zero-filling instead of recycled. {@link #NONE} for the peers.
     */
    private record CommitTime(double writeMicros, double syncMicros, double otherMicros, long segmentsZeroFilled,
                              long segmentsRecycled) {
        static final CommitTime NONE = new CommitTime(0, 0, 0, 0, 0);

        static CommitTime between(WalMetrics before, long elapsedNanos, WalMetrics after) {
            long commits = Math.max(1, after.batches() - before.batches());
            double write = (after.writeNanos() - before.writeNanos()) / 1e3 / commits;
            double sync = (after.syncNanos() - before.syncNanos()) / 1e3 / commits;
            return new CommitTime(write, sync, elapsedNanos / 1e3 / commits - write - sync,
                    after.segmentsZeroFilled() - before.segmentsZeroFilled(),
                    after.segmentsRecycled() - before.segmentsRecycled());
        }

        @Override
        public String toString() {
            return String.format("commit %.0f us = write %.0f + fdatasync %.0f + other %.0f; segments zero-filled %d,"
                    + " recycled %d", writeMicros + syncMicros + otherMicros, writeMicros, syncMicros, otherMicros,
                    segmentsZeroFilled, segmentsRecycled);
        }
    }

    private static final String DIRECTORY_KIND = System.getProperty("pagestore.walbench.directory", "file");
    /** The one warm-up pass before the first measured point of a process (each point also warms up for 1 s). */
    private static final int WARM_UP_SECONDS = 3;
    private static final int WARM_UP_APPENDERS = 8;
    /**
     * fio options issuing the ceiling's writes and fdatasyncs the way the WAL's directory issues them, when that is not
     * fio's default ({@code psync}): the uring directories get a second ceiling through fio's own io_uring engine, so
     * that what io_uring itself costs on this kernel is measured apart from what the WAL costs.
     */
    private static final List<String> ENGINE_CEILING = switch (DIRECTORY_KIND) {
        case "uring" -> List.of("--ioengine=io_uring");
        case "uring-direct" -> List.of("--ioengine=io_uring", "--direct=1");
        default -> List.of();
    };

    /** The WAL's directory of the kind chosen by {@code -Dpagestore.walbench.directory}. */
    private static LogDirectory walDirectory(Path directory) throws IOException {
        return switch (DIRECTORY_KIND) {
            case "file" -> new FileLogDirectory(directory);
            case "portable" -> new PortableLogDirectory(directory);
            case "uring" -> new IoUringLogDirectory(directory);
            case "uring-direct" -> new IoUringLogDirectory(directory, IoUringLogDirectory.Options.defaults()
                    .withDirectIo(true));
            default -> throw new IllegalArgumentException("pagestore.walbench.directory=" + DIRECTORY_KIND
                    + " is not one of file, portable, uring, uring-direct");
        };
    }

    /** The directory the recovery scan reads through, with {@code O_DIRECT}. */
    private static LogDirectory recoveryDirectory(Path directory) throws IOException {
        return DIRECTORY_KIND.equals("file") || DIRECTORY_KIND.equals("portable") ? new FileLogDirectory(directory, true)
                : new IoUringLogDirectory(directory, IoUringLogDirectory.Options.defaults().withDirectIo(true));
    }

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
        if (!List.of("block", "future", "reactor").contains(WAIT)) {
            usageError("pagestore.walbench.wait=" + WAIT + " is not one of block, future, reactor");
        }
        if (CHECKPOINT_MILLIS < 0) {
            usageError("pagestore.walbench.checkpointMillis=" + CHECKPOINT_MILLIS + " is negative");
        }
        if (REACTORS < 1) {
            usageError("pagestore.walbench.reactors=" + REACTORS + ": at least one driver thread is needed");
        }
        emptyOwnDirectory(root);
        System.out.printf("# WalBench: %s, %d s per measurement, median of %d runs, nproc=%d, JDK %s%n", root, seconds,
                runs, Runtime.getRuntime().availableProcessors(), Runtime.version());
        System.out.println("# CPU: " + cpuModel() + "; file system: " + fileSystemOf(root) + "; WAL directory: "
                + walDirectory(root.resolve("probe")));
        deleteRecursively(root.resolve("probe"));

        // the 64-appender target is bounded by 0.8x the disk's sequential write bandwidth
        double sequentialWrite = -1;
        if (PEERS && seconds > 0) {
            List<Double> rates = new ArrayList<>();
            for (int run = 0; run < runs; run++) {
                rates.add(Fio.sequentialWriteMiBPerSecond(root));
            }
            sequentialWrite = median(rates);
            System.out.printf("fio --rw=write --bs=1M --direct=1 --size=512m (sequential write): %.0f MiB/s (median) "
                    + "runs %s%n", sequentialWrite, rates.stream().map(x -> String.format("%.0f", x)).toList());
        }

        // peers and the WAL interleaved run by run, so a slow phase of the shared disk hits all of them alike;
        // SECONDS 0 skips the appends and measures recovery only
        for (int pageSize : seconds > 0 ? PAGE_SIZES : new int[0]) {
            Path directory = root.resolve("wal-" + pageSize);
            WalConfig config = WalConfig.defaults(pageSize);
            List<Double> fio = new ArrayList<>();
            List<Result> naive = new ArrayList<>();
            List<List<Result>> wal = new ArrayList<>();
            List<List<Double>> ceiling = new ArrayList<>();
            List<List<Double>> engineCeiling = new ArrayList<>();
            for (int ignored : APPENDERS) {
                wal.add(new ArrayList<>());
                ceiling.add(new ArrayList<>());
                engineCeiling.add(new ArrayList<>());
            }
            try (WriteAheadLog log = WriteAheadLog.open(walDirectory(directory), config, PageReplayer.NONE)) {
                if (pageSize == PAGE_SIZES[0]) {
                    // not measured: whichever point came first lost up to a third to warm-up of the append path
                    // (bench/results/wal/2026-11-26-portable-1app-order.txt)
                    int warmUpSeconds = Math.min(WARM_UP_SECONDS, seconds);
                    walRun(log, pageSize, WARM_UP_APPENDERS, warmUpSeconds);
                    System.out.printf("# warm-up: %d s with %d appenders, not measured%n", warmUpSeconds,
                            WARM_UP_APPENDERS);
                }
                for (int run = 0; run < runs; run++) {
                    if (PEERS) {
                        fio.add(Fio.fdatasyncWritesPerSecond(root, pageSize, seconds));
                        naive.add(naive(root, pageSize, seconds));
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
                        wal.get(a).add(walRun(log, pageSize, APPENDERS[a], seconds));
                    }
                }
            }
            deleteRecursively(directory);
            if (PEERS) {
                System.out.printf("fio --rw=write --bs=%dk --fdatasync=1: %.0f writes/s (median) runs %s%n",
                        pageSize / 1024, median(fio), fio.stream().map(x -> String.format("%.0f", x)).toList());
                Result n = medianResult(naive);
                System.out.printf("naive pwrite+fdatasync %d KiB: %.0f ops/s p50 %.0f us p99 %.0f us   runs %s%n",
                        pageSize / 1024, n.opsPerSecond(), n.p50Micros(), n.p99Micros(),
                        naive.stream().map(x -> String.format("%.0f", x.opsPerSecond())).toList());
            }
            for (int a = 0; PEERS && a < APPENDERS.length; a++) {
                System.out.printf("ceiling for %2d appenders, %d KiB: fio --overwrite=1 --bs=%dk --fdatasync=1: %.0f "
                                + "appends/s (median) runs %s%n", APPENDERS[a], pageSize / 1024,
                        Fio.ceilingBlockBytes(pageSize, APPENDERS[a]) / 1024, median(ceiling.get(a)),
                        ceiling.get(a).stream().map(x -> String.format("%.0f", x)).toList());
                if (!ENGINE_CEILING.isEmpty()) {
                    System.out.printf("ceiling for %2d appenders, %d KiB, %s: %.0f appends/s (median) runs %s%n",
                            APPENDERS[a], pageSize / 1024, String.join(" ", ENGINE_CEILING),
                            median(engineCeiling.get(a)),
                            engineCeiling.get(a).stream().map(x -> String.format("%.0f", x)).toList());
                }
            }
            for (int a = 0; a < APPENDERS.length; a++) {
                Result r = medianResult(wal.get(a));
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
            recovery(root, recoveryMiB, runs);
        }
    }

    /**
     * The WAL rows against the ceiling peer, and, when 1 and 64 appenders were measured, against the WAL's target:
     * 64 appenders at least min(20x the 1-appender rate, 0.8x the sequential write bandwidth in records of this size).
     */
    private static void printAgainstTargets(int pageSize, List<List<Result>> wal, List<List<Double>> ceiling,
                                            List<List<Double>> engineCeiling, double sequentialWriteMiB) {
        double one = -1;
        double sixtyFour = -1;
        for (int a = 0; a < APPENDERS.length; a++) {
            double rate = medianResult(wal.get(a)).opsPerSecond();
            System.out.printf("WAL %d KiB, %2d appenders: %.2f of the ceiling%s%n", pageSize / 1024, APPENDERS[a],
                    rate / median(ceiling.get(a)), ENGINE_CEILING.isEmpty() ? "" : String.format(
                            ", %.2f of the ceiling with %s", rate / median(engineCeiling.get(a)),
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

    /**
     * How appenders wait: {@code block} (default) a thread per appender in {@code appendAndWait}; {@code future} a
     * thread per appender joining a {@code CompletableFuture}; {@code reactor} the appends kept in flight by
     * {@link WalInFlightDriver}s, as the manager's reactors append.
     */
    private static final String WAIT = System.getProperty("pagestore.walbench.wait", "block");
    /** Driver threads in {@code wait=reactor} mode; the appends in flight are split evenly among them. */
    private static final int REACTORS = Integer.getInteger("pagestore.walbench.reactors", 1);
    /**
     * Milliseconds between checkpoints taken beside the appenders (0: none, the log only grows). There are no data
     * pages here, so a checkpoint is the control-file write and hands the segments before it back for recycling: what
     * a database's steady state looks like once its checkpoints keep up.
     */
    private static final int CHECKPOINT_MILLIS = Integer.getInteger("pagestore.walbench.checkpointMillis", 0);

    private static Result walRun(WriteAheadLog wal, int pageSize, int appenders, int seconds) throws Exception {
        AtomicBoolean measuring = new AtomicBoolean();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong operations = new AtomicLong();
        boolean reactor = WAIT.equals("reactor");
        int threadCount = reactor ? Math.min(REACTORS, appenders) : appenders;
        Histogram[] histograms = new Histogram[threadCount];
        List<Thread> threads = new ArrayList<>();
        Arena arena = Arena.ofShared();
        for (int t = 0; reactor && t < threadCount; t++) {
            int thread = t;
            histograms[t] = new Histogram(3_600_000_000L, 3);
            int slots = appenders / threadCount + (t < appenders % threadCount ? 1 : 0);
            WalInFlightDriver driver = new WalInFlightDriver(wal, slots, pageSize, t * 100_000_000_000L, arena);
            threads.add(Thread.ofPlatform().name("walbench-reactor-" + t).start(
                    () -> operations.addAndGet(driver.run(measuring, stop, histograms[thread]))));
        }
        for (int t = 0; !reactor && t < appenders; t++) {
            int thread = t;
            histograms[t] = new Histogram(3_600_000_000L, 3);
            threads.add(Thread.ofPlatform().start(() -> {
                MemorySegment image = Arena.ofAuto().allocate(pageSize, 4096);
                image.fill((byte) thread);
                long page = thread * 1_000_000L;
                while (!stop.get()) {
                    long start = System.nanoTime();
                    if (!WAIT.equals("future")) {
                        try {
                            wal.appendAndWait(page++, image);
                        } catch (java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    } else {
                        wal.append(page++, image).join();
                    }
                    if (measuring.get()) {
                        histograms[thread].recordValue((System.nanoTime() - start) / 1000);
                        operations.incrementAndGet();
                    }
                }
            }));
        }
        Thread checkpointer = CHECKPOINT_MILLIS <= 0 ? null : Thread.ofPlatform().name("walbench-checkpointer")
                .start(() -> {
                    try {
                        while (!stop.get()) {
                            Thread.sleep(CHECKPOINT_MILLIS);
                            wal.checkpoint(redoLsn -> { }); // no data file: nothing to flush before the redo point
                        }
                    } catch (InterruptedException | IOException e) {
                        throw new IllegalStateException("checkpoint failed", e);
                    }
                });
        if (checkpointer != null) {
            threads.add(checkpointer);
        }
        Thread.sleep(1000); // warm-up
        WalMetrics before = wal.metrics().snapshot();
        measuring.set(true);
        long started = System.nanoTime();
        Thread.sleep(seconds * 1000L);
        measuring.set(false);
        long elapsed = System.nanoTime() - started;
        WalMetrics after = wal.metrics().snapshot();
        double meanBatch = (double) (after.records() - before.records())
                / Math.max(1, after.batches() - before.batches());
        stop.set(true);
        for (Thread thread : threads) {
            thread.join();
        }
        arena.close();
        long measured = operations.get();
        Histogram all = new Histogram(3_600_000_000L, 3);
        for (Histogram h : histograms) {
            all.add(h);
        }
        return new Result(measured / (elapsed / 1e9), all.getValueAtPercentile(50), all.getValueAtPercentile(99),
                all.getValueAtPercentile(99.9), all.getMaxValue(),
                meanBatch, CommitTime.between(before, elapsed, after));
    }

    private static Result naive(Path root, int pageSize, int seconds) throws IOException {
        Path file = root.resolve("naive.dat");
        Files.deleteIfExists(file);
        Histogram histogram = new Histogram(3_600_000_000L, 3);
        try (FileLogDevice device = FileLogDevice.open(file, true); Arena arena = Arena.ofConfined()) {
            MemorySegment record = arena.allocate(pageSize, 4096);
            record.fill((byte) 7);
            long offset = 0;
            long warmEnd = System.nanoTime() + 1_000_000_000L;
            while (System.nanoTime() < warmEnd) {
                device.write(offset, record);
                device.datasync();
                offset += pageSize;
            }
            long count = 0;
            long started = System.nanoTime();
            long end = started + seconds * 1_000_000_000L;
            long now = started;
            while (now < end) {
                device.write(offset, record);
                device.datasync();
                offset += pageSize;
                long after = System.nanoTime();
                histogram.recordValue((after - now) / 1000);
                now = after;
                count++;
            }
            return new Result(count / ((now - started) / 1e9), histogram.getValueAtPercentile(50),
                    histogram.getValueAtPercentile(99), histogram.getValueAtPercentile(99.9),
                    histogram.getMaxValue(), 1, CommitTime.NONE);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static void recovery(Path root, long mebibytes, int runs) throws Exception {
        Path directory = root.resolve("recovery");
        int pageSize = 8192;
        WalConfig config = WalConfig.defaults(pageSize);
        long target = mebibytes << 20;
        long pages = 0;
        long writeStarted = System.nanoTime();
        try (WriteAheadLog wal = WriteAheadLog.open(walDirectory(directory), config, PageReplayer.NONE);
             Arena arena = Arena.ofShared()) {
            int group = config.maxPagesPerGroup();
            MemorySegment[] images = new MemorySegment[group];
            for (int i = 0; i < group; i++) {
                images[i] = arena.allocate(pageSize, 4096);
                images[i].fill((byte) i);
            }
            List<CompletableFuture<Long>> inFlight = new ArrayList<>();
            while (wal.durableLsn() < target) {
                long[] numbers = new long[group];
                for (int i = 0; i < group; i++) {
                    numbers[i] = (pages++) % 100_000; // 100,000 distinct pages, each logged several times
                }
                inFlight.add(wal.appendGroup(numbers, images));
                if (inFlight.size() == 32) {
                    inFlight.forEach(CompletableFuture::join);
                    inFlight.clear();
                }
            }
            inFlight.forEach(CompletableFuture::join);
        }
        System.out.printf("recovery: wrote a %d MiB WAL (%d page images) in %.1f s%n", mebibytes, pages,
                (System.nanoTime() - writeStarted) / 1e9);

        List<String> segments;
        try (Stream<Path> files = Files.list(directory)) {
            segments = files.map(Path::toString).filter(n -> n.endsWith(".wal")).sorted().toList();
        }
        List<Double> walRates = new ArrayList<>();
        List<Double> fioRates = new ArrayList<>();
        List<Double> totalSeconds = new ArrayList<>();
        RecoveryReport last = null;
        List<Double> pairRatios = new ArrayList<>();
        for (int run = 0; run < runs; run++) {
            // the pair's order alternates: whichever reads second may find the files in the host's cache
            boolean fioFirst = run % 2 == 0;
            double fio = fioFirst ? fioSequentialRead(segments) : -1;
            long[] applied = {0};
            long started = System.nanoTime();
            LogDirectory direct = recoveryDirectory(directory);
            last = WalRecovery.recover(direct, config, WalRecovery.redoLsn(direct, config),
                    (page, image, lsn) -> applied[0]++);
            totalSeconds.add((System.nanoTime() - started) / 1e9);
            double scan = last.bytesScanned() / (last.scanNanos() / 1e9) / (1 << 20);
            walRates.add(scan);
            fio = fioFirst ? fio : fioSequentialRead(segments);
            fioRates.add(fio);
            pairRatios.add(scan / fio);
        }
        System.out.printf("fio --rw=read --bs=1M --direct=1 over the segments: %.0f MiB/s (median) %s%n",
                median(fioRates), fioRates);
        System.out.printf("WAL recovery scan (O_DIRECT, CRC-checked, %s): %.0f MiB/s (median) %s; %s%n", DIRECTORY_KIND,
                median(walRates), walRates, last);
        System.out.printf("WAL recovery scan / fio, pair by pair (fio first in runs 1, 3, ...; the scan first in runs "
                + "2, 4, ...): %.2f (median) %s%n", median(pairRatios),
                pairRatios.stream().map(x -> String.format("%.2f", x)).toList());
        System.out.printf("WAL recovery total incl. applying %d distinct pages once each: %.1f s (median); %d images "
                + "scanned%n", last.pagesApplied(), median(totalSeconds), last.pageImagesScanned());
        System.out.printf("fio --rw=write --bs=1M --direct=1 (sequential write bandwidth): %.0f MiB/s%n",
                Fio.sequentialWriteMiBPerSecond(root));
        deleteRecursively(directory);
    }

    /** {@code fio --rw=read --bs=1M --direct=1} over {@code segments} one after the other, in MiB/s. */
    private static double fioSequentialRead(List<String> segments) throws IOException, InterruptedException {
        String json = Fio.run(List.of("fio", "--name=seqread", "--rw=read", "--bs=1M", "--direct=1", "--readonly",
                "--file_service_type=sequential", "--filename=" + String.join(":", segments),
                "--output-format=json"));
        return Fio.value(json, "read", "bw_bytes") / (1 << 20);
    }

    private static double median(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return sorted[sorted.length / 2];
    }

    private static Result medianResult(List<Result> results) {
        List<Result> sorted = new ArrayList<>(results);
        sorted.sort(Comparator.comparingDouble(Result::opsPerSecond));
        return sorted.get(sorted.size() / 2);
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
            deleteRecursively(root);
        }
        Files.createDirectories(root);
        Files.createFile(root.resolve(MARKER));
    }

    private static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

}

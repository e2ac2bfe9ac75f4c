package dev.pagestore.bench.replication;

import dev.pagestore.bench.replication.TimelineSummary.KillEvents;
import dev.pagestore.client.ClientOptions;
import dev.pagestore.client.PageStoreClient;
import dev.pagestore.replication.cluster.LocalCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The replication target "a bookie killed under load: writes go on (ack quorum), throughput recovers within 1 s of the
 * bookie's return", as a timeline: a {@link LocalCluster} (ZooKeeper and 3 bookies), a manager replicating to it
 * (3/3/2), and {@value #WRITERS} threads of this JVM writing 4 KiB pages durably through one client; at T=10 s bookie
 * 2 is killed with SIGKILL, at T=20 s it is started again (its return is when {@code startBookie} comes back: the
 * bookie registered as writable), and the writers stop at T=32 s, or {@value #AFTER_RETURN_MIN_MILLIS} ms after the
 * return when that is later (a restart on a busy machine can take most of 10 s: JVM start, journal replay). Writes
 * and errors are counted per 100 ms bucket.
 *
 * <p>T=0 is when the writers start, unless a warm-up is asked for: then they write for WARMUP_SECONDS first, uncounted,
 * so that the pre-kill figure is not that of JVMs still compiling (the manager, the bookies and this one).
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp 'bench/target/lib/*:bench/target/classes' \
 *     dev.pagestore.bench.replication.BookieKillTimeline SCRATCH_DIR OUT.csv [WARMUP_SECONDS [SEED]]
 * </pre>
 * SCRATCH_DIR must be new or empty; it keeps the cluster's logs and the manager's stdout and stderr
 * ({@code manager.err}: the BookKeeper client's warnings). Prints the summary ({@link TimelineSummary}) on stdout;
 * exits 0 when the run completed, whatever it measured, and 1 when it could not run.
 */
public final class BookieKillTimeline {
    static final int WRITERS = 64;
    static final long CAPACITY_PAGES = 4096;
    static final int BOOKIE = 2;
    static final long KILL_AT_MILLIS = 10_000;
    static final long RESTART_AT_MILLIS = 20_000;
    static final long END_AT_MILLIS = 32_000;
    static final long AFTER_RETURN_MIN_MILLIS = 10_000;
    /** The restart's bound (LocalCluster's start timeout), the time after it, and room for writes still in flight. */
    static final long SPAN_MILLIS = RESTART_AT_MILLIS + 60_000 + AFTER_RETURN_MIN_MILLIS + 10_000;
    static final long WRITERS_STOP_MILLIS = 10_000;

    private BookieKillTimeline() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2 || args.length > 4) {
            System.err.println("usage: BookieKillTimeline SCRATCH_DIR OUT.csv [WARMUP_SECONDS [SEED]]");
            System.exit(2);
        }
        Path scratch = Path.of(args[0]).toAbsolutePath();
        Path csv = Path.of(args[1]);
        long warmupMillis = args.length > 2 ? TimeUnit.SECONDS.toMillis(Long.parseLong(args[2])) : 0;
        long seed = args.length > 3 ? Long.parseLong(args[3]) : System.nanoTime();
        if (Files.exists(scratch) && !isEmptyDirectory(scratch)) {
            System.err.println("BookieKillTimeline: " + scratch + " is not a new or empty directory");
            System.exit(1);
        }
        Files.createDirectories(scratch);
        System.out.printf("bookie-kill timeline: %d writers (platform threads, one client), random pages of %d,"
                + " synchronous durable writes; 3 bookies, quorum 3/3/2; warm-up %d s; seed %d; scratch %s%n",
                WRITERS, CAPACITY_PAGES, warmupMillis / 1000, seed, scratch);
        TimelineSummary summary;
        try (LocalCluster cluster = LocalCluster.start(scratch.resolve("cluster"))) {
            ReplicatedManagerProcess manager = ReplicatedManagerProcess.start(scratch.resolve("store"), scratch,
                    cluster.metadataServiceUri(), CAPACITY_PAGES);
            System.out.println("manager pid " + manager.pid() + " replicating to " + cluster.metadataServiceUri());
            try {
                summary = run(cluster, manager, warmupMillis, seed);
            } finally {
                int exit = manager.stop();
                System.out.println("manager stopped by SIGTERM: exit code " + exit
                        + (exit == -1 ? " (did not stop in time: killed)" : exit == 0 ? " (clean)" : ""));
            }
        }
        summary.writeCsv(csv);
        summary.print(System.out);
    }

    private static TimelineSummary run(LocalCluster cluster, ReplicatedManagerProcess manager, long warmupMillis,
            long seed) throws IOException, InterruptedException {
        try (PageStoreClient client = PageStoreClient.attach(manager.storeDirectory(), ClientOptions.defaults())) {
            long startNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(warmupMillis);
            long startWallMillis = System.currentTimeMillis() + warmupMillis;
            CompletionTimeline timeline = new CompletionTimeline(startNanos, SPAN_MILLIS);
            StatusSampler sampler = StatusSampler.start(manager.storeDirectory(), timeline, startWallMillis,
                    timeline.bucketCount());
            DurableWriters writers = DurableWriters.start(client, WRITERS, timeline, seed);
            System.out.println("T=0 at " + LocalTime.ofInstant(Instant.ofEpochMilli(startWallMillis),
                    ZoneId.systemDefault()) + " (wall clock, as in the logs)");
            sleepUntil(timeline, KILL_AT_MILLIS);
            double killMillis = timeline.millisSinceStart(System.nanoTime());
            cluster.killBookie(BOOKIE);
            double killedMillis = timeline.millisSinceStart(System.nanoTime());
            sleepUntil(timeline, RESTART_AT_MILLIS);
            double restartMillis = timeline.millisSinceStart(System.nanoTime());
            cluster.startBookie(BOOKIE);
            double returnMillis = timeline.millisSinceStart(System.nanoTime());
            long endMillis = Math.max(END_AT_MILLIS, (long) Math.ceil(returnMillis) + AFTER_RETURN_MIN_MILLIS);
            sleepUntil(timeline, endMillis);
            long endNanos = System.nanoTime();
            timeline.close(endNanos);
            if (!writers.stop(WRITERS_STOP_MILLIS)) {
                System.out.println("writers: some did not stop within " + WRITERS_STOP_MILLIS + " ms");
            }
            sampler.stop();
            if (!manager.isAlive()) {
                System.out.println("manager: ended during the run; its stderr: " + manager.stderr());
            }
            return new TimelineSummary(timeline, sampler, new KillEvents(killMillis, killedMillis, restartMillis,
                    returnMillis), endMillis);
        }
    }

    private static void sleepUntil(CompletionTimeline timeline, long millis) throws InterruptedException {
        long left = timeline.startNanos() + TimeUnit.MILLISECONDS.toNanos(millis) - System.nanoTime();
        if (left > 0) {
            TimeUnit.NANOSECONDS.sleep(left);
        }
    }

    private static boolean isEmptyDirectory(Path path) throws IOException {
        if (!Files.isDirectory(path)) {
            return false;
        }
        try (Stream<Path> entries = Files.list(path)) {
            return entries.findAny().isEmpty();
        }
    }
}

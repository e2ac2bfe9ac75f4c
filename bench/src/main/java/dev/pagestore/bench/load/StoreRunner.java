package dev.pagestore.bench.load;

import dev.pagestore.client.ClientOptions;
import dev.pagestore.client.PageStoreClient;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;

/**
 * The store as its users run it: a manager process started by its command ({@code pagestore manager}, the same main
 * class {@code bin/pagestore} runs) and worker processes ({@link StoreWorker}) attached through the public client.
 *
 * <p>{@link #prepare} makes the store in {@code DIR/store} with a capacity of exactly the working set and writes every
 * page once through a client: a page never written is read as zeros from a hole in the data file, without touching
 * the device, and would flatter reads (fio's file is filled too). Each run then starts a manager on that store and
 * fresh worker JVMs, so that runs are alike and independent; between runs the manager stops cleanly (SIGTERM).
 */
final class StoreRunner implements Runner {
    static final String MANAGER_MAIN = "dev.pagestore.cli.PageStoreCli";
    /** The heap StoreLoad gives its manager, so that the two report alike. */
    static final List<String> MANAGER_JVM_OPTIONS = List.of("-Xmx256m");
    private static final long MANAGER_START_MILLIS = 120_000;
    private static final long WORKER_START_MILLIS = 120_000;
    private static final long MANAGER_STOP_MILLIS = 130_000;
    private static final int PREFILL_DEPTH = 64;

    private final BenchSettings settings;
    private final ScratchDirectory directory;
    private final Progress progress;
    private final Path store;

    StoreRunner(BenchSettings settings, ScratchDirectory directory, Progress progress) {
        this.settings = settings;
        this.directory = directory;
        this.progress = progress;
        this.store = directory.entry("store");
    }

    @Override
    public String tool() {
        return "pagestore";
    }

    @Override
    public void prepare() throws IOException, InterruptedException {
        progress.phase(String.format("making the store (%,d pages) and writing every page once", settings.pages()));
        Child manager = startManager("manager-prepare", true);
        boolean done = false;
        try {
            prefill();
            done = true;
        } finally {
            stopManager(manager, done);
        }
    }

    @Override
    public RunResult run(int run) throws IOException, InterruptedException {
        String label = "run " + run + "/" + settings.runs() + " pagestore";
        progress.phase(label + ": starting the manager and " + settings.workers() + " workers");
        Child manager = startManager("manager-run" + run, false);
        List<Child> workers = new ArrayList<>();
        boolean done = false;
        try {
            long idleRss = ProcFs.residentBytes(manager.pid());
            List<String> jvmOptions = List.of("-Xmx" + (Math.max(256, 2 * settings.cacheMiB() + 128)) + "m");
            for (int w = 0; w < settings.workers(); w++) {
                List<String> args = new ArrayList<>(List.of(store.toString(),
                        Long.toString(ProcessHandle.current().pid()), Integer.toString(w)));
                args.addAll(settings.workload(w).toArguments());
                workers.add(Child.startJvm("worker " + w, jvmOptions, StoreWorker.class.getName(), args,
                        directory.logs().resolve("worker-run" + run + "-" + w + ".log")));
            }
            for (Child worker : workers) {
                worker.awaitLine("ready", WORKER_START_MILLIS);
            }
            MeasuredWindow.Outcome outcome = MeasuredWindow.run(workers, manager, settings, progress, label);
            for (Child worker : workers) {
                int code = worker.awaitExit(30_000);
                if (code != 0) {
                    throw new IOException(worker.name() + " exited with code " + code + "; see " + worker.log());
                }
            }
            Histogram reads = new Histogram(3);
            Histogram writes = new Histogram(3);
            Map<String, Long> errors = new TreeMap<>();
            long hits = 0;
            long misses = 0;
            for (WorkerReport report : outcome.reports()) {
                reads.add(report.reads());
                writes.add(report.writes());
                report.errors().forEach((name, count) -> errors.merge(name, count, Long::sum));
                hits += report.cacheHits();
                misses += report.cacheMisses();
            }
            RunResult result = new RunResult(tool(), run, settings.durationSeconds(), reads, writes, Map.of(), errors,
                    settings.durationSeconds(), outcome.workersCpuNanos(), outcome.managerCpuNanos(),
                    outcome.managerRssBytes(), idleRss, hits, misses, -1);
            done = true;
            return result;
        } finally {
            for (Child worker : workers) {
                worker.stop(Child.STOP_WAIT_MILLIS);
            }
            stopManager(manager, done);
        }
    }

    private Child startManager(String name, boolean create) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("manager", "--dir", store.toString(), "--capacity-pages",
                Long.toString(settings.pages()), "--page-size", Integer.toString(settings.pageSizeBytes()),
                "--exit-with-parent", Long.toString(ProcessHandle.current().pid())));
        if (create) {
            args.add("--create");
        }
        args.addAll(settings.managerOptions());
        Child manager = Child.startJvm(name, MANAGER_JVM_OPTIONS, MANAGER_MAIN, args,
                directory.logs().resolve(name + ".log"));
        try {
            manager.awaitLine("pagestore manager pid ", MANAGER_START_MILLIS);
        } catch (IOException e) {
            manager.stop(Child.STOP_WAIT_MILLIS);
            throw new IOException("the manager did not start: " + e.getMessage() + manager.logTail(), e);
        }
        return manager;
    }

    /**
     * SIGTERM: a clean stop ends with a checkpoint, so the next start has nothing to replay. An exit code other than
     * 0 fails the run, unless it failed already ({@code !check}: that failure is the one to report).
     */
    private static void stopManager(Child manager, boolean check) throws IOException, InterruptedException {
        int code = manager.stop(MANAGER_STOP_MILLIS);
        if (check && code != 0) {
            throw new IOException("the manager exited with code " + code + " (see 'pagestore manager --help'); see "
                    + manager.log() + manager.logTail());
        }
    }

    /** Every page once, {@value #PREFILL_DEPTH} writes outstanding, random bytes stamped with the page number. */
    private void prefill() throws IOException, InterruptedException {
        ClientOptions options = ClientOptions.defaults().withClientName("bench-prefill")
                .withDefaultTimeout(StoreWorker.CALL_TIMEOUT);
        PageImage image = new PageImage(settings.pageSizeBytes(), new SplittableRandom(settings.seed() - 1));
        Semaphore permits = new Semaphore(PREFILL_DEPTH);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long started = System.nanoTime();
        long nextUpdate = started;
        try (PageStoreClient client = PageStoreClient.attach(store, options)) {
            for (long page = 0; page < settings.pages(); page++) {
                permits.acquire();
                if (failure.get() != null) {
                    throw new IOException("writing page " + page + " failed: " + failure.get(), failure.get());
                }
                client.writeAsync(page, image.stamp(page)).whenComplete((value, error) -> {
                    if (error != null) {
                        failure.compareAndSet(null, error);
                    }
                    permits.release();
                });
                long now = System.nanoTime();
                if (now >= nextUpdate) {
                    progress.update((now - started) / 1e9, Double.NaN, page);
                    nextUpdate = now + TimeUnit.SECONDS.toNanos(1);
                }
            }
            if (!permits.tryAcquire(PREFILL_DEPTH, StoreWorker.CALL_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                throw new IOException("the last writes of every page did not complete");
            }
            if (failure.get() != null) {
                throw new IOException("writing the pages failed: " + failure.get(), failure.get());
            }
        }
    }
}

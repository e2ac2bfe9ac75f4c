package dev.pagestore.torture.loop;

import dev.pagestore.demo.ChildProcess;
import dev.pagestore.torture.HistoryFile;
import dev.pagestore.torture.PageOperation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A store served by a manager process ({@code pagestore manager}, this JVM's class path) and loaded by
 * {@link TortureWorker} processes: what the process loops start, kill, restart and stop.
 */
final class ProcessStore {
    static final int THREADS_PER_WORKER = 2;
    private static final long READY_MILLIS = 120_000;

    private final Path directory;
    private final Path logs;
    private final long checkpointMillis;
    private final long walSegmentBytes;
    private final List<String> managerJvmOptions;
    private final List<ChildProcess> workers = new ArrayList<>();
    private final List<Path> histories = new ArrayList<>();
    private ChildProcess manager;
    private boolean ready;
    private int lives;

    /** One store's round: its checks, returning a failure or null. */
    @FunctionalInterface
    interface Round {
        String run(ProcessStore store) throws Exception;
    }

    /**
     * Runs {@code round} on a new store in a new directory under {@code scratch}: an exception is its failure, every
     * process it started is killed however it ends, and a passed store's files are removed, a failed one's kept.
     *
     * @return null when it passed, else the failure and where its logs are
     */
    static String runRound(Path scratch, long checkpointMillis, long walSegmentBytes, Round round) throws IOException {
        Path root = Files.createTempDirectory(scratch, "r");
        ProcessStore store = new ProcessStore(root, checkpointMillis, walSegmentBytes);
        String failure;
        try {
            failure = round.run(store);
        } catch (Exception | AssertionError e) {
            failure = e.toString();
        } finally {
            store.destroyAll();
        }
        if (failure == null) {
            TortureFiles.deleteTree(root);
            return null;
        }
        return failure + " (logs: " + root + ")";
    }

    /**
     * A store under {@code root} whose manager checkpoints every {@code checkpointMillis} and makes its WAL of
     * {@code walSegmentBytes} segments.
     */
    ProcessStore(Path root, long checkpointMillis, long walSegmentBytes) throws IOException {
        this(root, checkpointMillis, walSegmentBytes, List.of("-Xmx256m"));
    }

    /** As above, the manager's JVM started with {@code managerJvmOptions}. */
    ProcessStore(Path root, long checkpointMillis, long walSegmentBytes, List<String> managerJvmOptions)
            throws IOException {
        this.managerJvmOptions = List.copyOf(managerJvmOptions);
        this.directory = root.resolve("store");
        this.logs = Files.createDirectories(root.resolve("logs"));
        this.checkpointMillis = checkpointMillis;
        this.walSegmentBytes = walSegmentBytes;
    }

    Path directory() {
        return directory;
    }

    long pagesFor(int workers) {
        return PageWorkload.pagesFor(workers * THREADS_PER_WORKER);
    }

    /** Starts a manager process; returns it without waiting for it to serve. */
    ChildProcess startManager(long capacityPages) throws IOException {
        lives++;
        ready = false;
        manager = ChildProcess.start("manager", managerJvmOptions, "dev.pagestore.cli.PageStoreCli",
                List.of("manager", "--dir", directory.toString(), "--create", "--capacity-pages",
                        Long.toString(capacityPages), "--checkpoint-interval-ms", Long.toString(checkpointMillis),
                        "--wal-segment-size", Long.toString(walSegmentBytes),
                        "--exit-with-parent", Long.toString(ProcessHandle.current().pid())),
                logs.resolve("manager-" + lives + ".log"));
        return manager;
    }

    /** Waits until the manager serves; false when it did not within two minutes (its log says why). */
    boolean awaitReady() throws InterruptedException {
        ready = manager.awaitLineStartingWith("pagestore manager pid", READY_MILLIS) != null;
        return ready;
    }

    /** Whether the current manager has said it serves, without waiting. */
    boolean servesNow() throws InterruptedException {
        if (!ready) {
            ready = manager.awaitLineStartingWith("pagestore manager pid", 1) != null;
        }
        return ready;
    }

    /** Whether the current manager serves, waiting for it when that has not been seen yet. */
    boolean awaitReadyOrServing() throws InterruptedException {
        return ready || awaitReady();
    }

    ChildProcess manager() {
        return manager;
    }

    Path managerLog() {
        return logs.resolve("manager-" + lives + ".log");
    }

    /** Starts worker process {@code process} with its seed; it attaches once a manager serves. */
    void startWorker(int process, long seed) throws IOException, InterruptedException {
        Path history = logs.resolve("history-" + process + "-" + workers.size() + ".txt");
        ChildProcess worker = ChildProcess.start("worker-" + process, List.of("-Xmx128m"),
                TortureWorker.class.getName(), List.of(directory.toString(), Integer.toString(process),
                        Integer.toString(THREADS_PER_WORKER), Long.toString(seed), history.toString(),
                        Long.toString(ProcessHandle.current().pid())),
                logs.resolve("worker-" + process + ".log"));
        if (worker.awaitLineStartingWith("running", READY_MILLIS) == null) {
            worker.destroy();
            throw new IOException("worker " + process + " did not start: see " + logs.resolve("worker-" + process
                    + ".log"));
        }
        workers.add(worker);
        histories.add(history);
    }

    /** Stops every worker (each writes its history); the acknowledged and unknown writes they counted. */
    long[] stopWorkers() throws IOException, InterruptedException {
        long[] counts = new long[2];
        for (ChildProcess worker : workers) {
            worker.send("stop");
        }
        for (ChildProcess worker : workers) {
            String done = worker.awaitLineStartingWith("done", 60_000);
            if (done == null) {
                worker.destroy();
                throw new IOException(worker.name() + " did not stop within 60 s of being told to");
            }
            if (done.contains(" error ")) {
                throw new IOException(worker.name() + ": " + done.substring(done.indexOf(" error ") + 7));
            }
            String[] fields = done.split(" ");
            counts[0] += Long.parseLong(fields[1]);
            counts[1] += Long.parseLong(fields[2]);
            worker.awaitExit(10_000);
        }
        workers.clear();
        return counts;
    }

    /** Every operation the stopped workers recorded. */
    List<PageOperation> histories() throws IOException {
        List<PageOperation> all = new ArrayList<>();
        for (Path history : histories) {
            all.addAll(HistoryFile.read(history));
        }
        return all;
    }

    /** {@link #histories()}, then forgets them and deletes their files (a long run checks them phase by phase). */
    List<PageOperation> takeHistories() throws IOException {
        List<PageOperation> all = histories();
        for (Path history : histories) {
            Files.deleteIfExists(history);
        }
        histories.clear();
        return all;
    }

    /** Kills whatever still runs (the last resort on every path). */
    void destroyAll() {
        for (ChildProcess worker : workers) {
            worker.destroy();
        }
        if (manager != null) {
            manager.destroy();
        }
    }
}

package dev.pagestore.torture.loop;

import dev.pagestore.client.ClientOptions;
import dev.pagestore.client.PageStoreClient;
import dev.pagestore.client.PageStoreException;
import dev.pagestore.demo.ChildProcess;
import dev.pagestore.manager.StoreMetadata;
import dev.pagestore.replication.cluster.LocalCluster;
import dev.pagestore.torture.PageOperation;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;

/**
 * Loop 7: failover of a replicated store under load. One local cluster (ZooKeeper and three bookies) serves the whole
 * run. A store is a primary and a standby, each a manager process on its own directory, and {@value #WORKERS}
 * {@link TortureWorker} processes whose clients know every directory the store will have, so they follow each
 * failover. An iteration: the standby has caught up; 300-1500 ms of load; the primary is SIGKILLed; a probe client
 * times the failover (from the kill to its first acknowledged write on the standby that took over); the old primary's
 * directory is removed and a new standby made in a fresh one. After {@value #FAILOVERS_PER_STORE} failovers (or the
 * budget) the workers stop and every page is read on the last primary: the workers' histories and these reads must
 * show every page a linearizable register across the failovers, as the kill loop's must across restarts.
 */
final class FailoverLoop implements TortureLoop {
    static final int WORKERS = 2;
    /**
     * Each new standby applies the store's whole log (no ledger is trimmed yet: docs/REPLICATION.md), so a store's
     * history, and a new standby's catch-up, grows with every failover: a new store after this many.
     */
    static final int FAILOVERS_PER_STORE = 5;
    /** The managers' ZooKeeper session: how long a killed primary is taken for alive. */
    static final long SESSION_MILLIS = 1000;
    /**
     * Small ledgers, so that every primary rolls several times between its checkpoints and its death, and takeovers
     * and new standbys cross many closed ledgers (at the default 64 MiB a primary here never fills one).
     */
    static final String LEDGER_SIZE = "8m";
    private static final long READY_MILLIS = 120_000;

    @Override
    public String name() {
        return "failover";
    }

    @Override
    public LoopResult run(Budget budget, long seed, Path scratch, PrintStream out) throws Exception {
        Progress progress = new Progress(out, name());
        List<String> names = new ArrayList<>(List.of("failovers", "acknowledged writes", "unknown writes", "reads",
                "lost or non-linearizable pages", "damaged reads", "partial batches"));
        names.addAll(FailoverTimes.names());
        Map<String, Long> counts = LoopResult.zeroCounts(names.toArray(String[]::new));
        List<String> failures = new ArrayList<>();
        FailoverTimes times = new FailoverTimes();
        Path clusterDirectory = Files.createTempDirectory(scratch, "cluster");
        try (LocalCluster cluster = LocalCluster.start(clusterDirectory)) {
            long round = 0;
            while (budget.allowsAnother(counts.get("failovers"))) {
                long s = seed + round++;
                long before = counts.get("failovers");
                Path root = Files.createTempDirectory(scratch, "f");
                String failure;
                try {
                    failure = runStore(s, cluster, root, budget, counts, times, progress);
                } catch (Exception | AssertionError e) {
                    failure = e.toString();
                }
                if (failure == null) {
                    TortureFiles.deleteTree(root);
                } else {
                    String line = "failover store seed " + s + " (failovers " + (before + 1) + "-"
                            + counts.get("failovers") + "; replay: --loops failover --seed " + s + "): " + failure
                            + " (logs: " + root + ")";
                    failures.add(line);
                    out.println("  FAIL " + line);
                }
                if (counts.get("failovers") == before) {
                    break;  // a store that could not fail over at all would loop for ever
                }
            }
        }
        if (failures.isEmpty()) {
            TortureFiles.deleteTree(clusterDirectory);  // the bookies' ledgers: gigabytes after a long run
        }
        times.putInto(counts);
        return new LoopResult(name(), counts.get("failovers"), counts, failures, progress.seconds());
    }

    private static String runStore(long seed, LocalCluster cluster, Path root, Budget budget, Map<String, Long> counts,
            FailoverTimes times, Progress progress) throws Exception {
        SplittableRandom random = new SplittableRandom(seed);
        int writers = WORKERS * ProcessStore.THREADS_PER_WORKER;
        long pages = PageWorkload.pagesFor(writers) + 1;
        long probePage = pages - 1;  // no worker's: the loop's own marker
        Path logs = Files.createDirectories(root.resolve("logs"));
        List<Path> directories = new ArrayList<>();
        for (int i = 0; i <= FAILOVERS_PER_STORE + 1; i++) {
            directories.add(root.resolve("store-" + i));
        }
        List<ChildProcess> processes = new ArrayList<>();
        List<ChildProcess> workers = new ArrayList<>();
        List<Path> histories = new ArrayList<>();
        try {
            ChildProcess primary = manager(cluster, directories.get(0), pages, null, logs, processes);
            UUID storeId = StoreMetadata.read(directories.get(0)).orElseThrow().storeId();
            ChildProcess standby = manager(cluster, directories.get(1), pages, storeId, logs, processes);
            String failoverList = String.join(",", directories.subList(1, directories.size()).stream()
                    .map(Path::toString).toList());
            for (int w = 0; w < WORKERS; w++) {
                Path history = logs.resolve("history-" + w + ".txt");
                ChildProcess worker = ChildProcess.start("worker-" + w, List.of("-Xmx128m"),
                        TortureWorker.class.getName(), List.of(directories.get(0).toString(), Integer.toString(w),
                                Integer.toString(ProcessStore.THREADS_PER_WORKER), Long.toString(random.nextLong()),
                                history.toString(), Long.toString(ProcessHandle.current().pid()), failoverList),
                        logs.resolve("worker-" + w + ".log"));
                processes.add(worker);
                workers.add(worker);
                histories.add(history);
                if (worker.awaitLineStartingWith("running", READY_MILLIS) == null) {
                    return "worker " + w + " did not start";
                }
            }
            long before = counts.get("failovers");
            int k = 0;
            while (k < FAILOVERS_PER_STORE && budget.allowsAnother(before + k)) {
                Path primaryDir = directories.get(k);
                Path standbyDir = directories.get(k + 1);
                awaitCaughtUp(primaryDir, standbyDir, probePage, seed * 1000 + k);
                Thread.sleep(300 + random.nextInt(1200));
                long millis;
                LocalTime killedAt;
                try (PageStoreClient probe = PageStoreClient.attach(primaryDir, ClientOptions.defaults()
                        .withClientName("failover-probe").withAutoReattach(true)
                        .withFailoverDirectories(directories.subList(k + 1, directories.size())))) {
                    probe.write(probePage, marker(-2));
                    primary.kill9();
                    long started = System.nanoTime();
                    killedAt = LocalTime.now();
                    probeWrite(probe, probePage, started);
                    millis = (System.nanoTime() - started) / 1_000_000;
                }
                times.add(millis, killedAt, logs.resolve("manager-" + standbyDir.getFileName() + ".log"));
                counts.merge("failovers", 1L, Long::sum);
                k++;
                TortureFiles.deleteTree(primaryDir);  // its log may hold writes never acknowledged: never again
                primary = standby;
                standby = manager(cluster, directories.get(k + 1), pages, storeId, logs, processes);
                long done = counts.get("failovers");
                progress.maybe(() -> String.format("%,d failovers, last %d ms", done, millis));
            }
            long[] written = new long[2];
            for (ChildProcess worker : workers) {
                worker.send("stop");
            }
            for (ChildProcess worker : workers) {
                String doneLine = worker.awaitLineStartingWith("done", 60_000);
                if (doneLine == null) {
                    return worker.name() + " did not stop within 60 s of being told to";
                }
                if (doneLine.contains(" error ")) {
                    return worker.name() + ": " + doneLine.substring(doneLine.indexOf(" error ") + 7);
                }
                String[] fields = doneLine.split(" ");
                written[0] += Long.parseLong(fields[1]);
                written[1] += Long.parseLong(fields[2]);
            }
            counts.merge("acknowledged writes", written[0], Long::sum);
            counts.merge("unknown writes", written[1], Long::sum);
            if (written[0] == 0) {
                return "no write was acknowledged in the whole store: the load never ran";
            }
            List<PageOperation> history = new ArrayList<>();
            Map<Integer, long[]> groups = FinalReads.readAll(directories.get(k), writers, history);
            for (Path file : histories) {
                history.addAll(dev.pagestore.torture.HistoryFile.read(file));
            }
            HistoryVerdict verdict = HistoryVerdict.of(history, groups);
            verdict.countInto(counts, history);
            if (!verdict.clean()) {
                return verdict.describe(5);
            }
            int exit = primary.terminate(60_000);
            if (exit != 0) {
                return "the last primary exited " + exit + " on SIGTERM";
            }
            return null;
        } finally {
            for (ChildProcess process : processes) {
                process.destroy();
            }
        }
    }

    /** A manager of the store in {@code directory}: its primary (no store id) or a new standby of store {@code id}. */
    private static ChildProcess manager(LocalCluster cluster, Path directory, long pages, UUID standbyOf, Path logs,
            List<ChildProcess> processes) throws Exception {
        List<String> args = new ArrayList<>(List.of("manager", "--dir", directory.toString(), "--create",
                "--capacity-pages", Long.toString(pages), "--checkpoint-interval-ms", "200", "--replicate",
                cluster.metadataServiceUri(), "--session-timeout-ms", Long.toString(SESSION_MILLIS),
                "--ledger-size", LEDGER_SIZE, "--exit-with-parent", Long.toString(ProcessHandle.current().pid())));
        if (standbyOf != null) {
            args.addAll(List.of("--standby", "--store", standbyOf.toString()));
        }
        ChildProcess manager = ChildProcess.start("manager-" + directory.getFileName(), List.of("-Xmx256m"),
                "dev.pagestore.cli.PageStoreCli", args, logs.resolve("manager-" + directory.getFileName() + ".log"));
        processes.add(manager);
        if (manager.awaitLineStartingWith("pagestore manager pid", READY_MILLIS) == null) {
            throw new IOException("the manager of " + directory + " did not start: see its log in " + logs);
        }
        return manager;
    }

    /** Writes {@code token} on the primary's probe page and waits until the standby reads it. */
    private static void awaitCaughtUp(Path primary, Path standby, long probePage, long token) throws Exception {
        byte[] marker = marker(token);
        try (PageStoreClient writer = PageStoreClient.attach(primary, ClientOptions.defaults());
                PageStoreClient reader = PageStoreClient.attach(standby, ClientOptions.defaults())) {
            writer.write(probePage, marker);
            long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
            while (!Arrays.equals(marker, reader.read(probePage))) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("the standby in " + standby + " did not catch up in 180 s");
                }
                Thread.sleep(20);
            }
        }
    }

    /** Writes the probe page through a client that follows the failover, until a write is acknowledged. */
    private static void probeWrite(PageStoreClient client, long probePage, long startedNanos) throws Exception {
        long deadline = startedNanos + Duration.ofSeconds(60).toNanos();
        while (true) {
            try {
                client.write(probePage, marker(-1), Duration.ofSeconds(5));
                return;
            } catch (PageStoreException e) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("no manager took the store over within 60 s: " + e.getMessage(), e);
                }
                Thread.sleep(2);  // MANAGER_GONE until the client re-attaches to the standby that took over
            }
        }
    }

    private static byte[] marker(long token) {
        byte[] page = new byte[4096];
        ByteBuffer.wrap(page).putLong(0, token).putLong(8, ~token);
        return page;
    }
}

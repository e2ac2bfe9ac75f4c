package dev.pagestore.demo;

import dev.pagestore.status.StatusRegionDescriptor;
import dev.pagestore.status.StatusView;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * One run of {@code pagestore demo}: a manager process, worker processes under load, the manager killed with SIGKILL
 * midway and restarted, then a check from a fresh client that no acknowledged write was lost, and a report.
 *
 * <h2>What "not lost" means here</h2>
 * Worker {@code w} alone writes the pages {@code p % workers == w}, one write at a time, each with the page's next
 * sequence number, and reports per page the last sequence whose write was acknowledged ({@code a}) and the sequences
 * written after it whose outcome stayed unknown ({@code U}: the worker gave up retrying them). The page must then
 * hold exactly sequence {@code a}, or one of {@code U} (a write that was applied but never acknowledged); zeros only
 * when {@code a = 0}. An older sequence means an acknowledged write was lost; a torn or foreign image means
 * corruption. Either is FAIL.
 *
 * @param directory    the demo's directory ({@link DemoDirectory}: emptied when it is the demo's, so that every run
 *                     starts from nothing; the store is its {@code store/}, the logs its {@code logs/})
 * @param seconds      how long workers run
 * @param workers      worker processes
 * @param pages        pages in the store (all of them are used)
 * @param killAtSeconds when the manager gets SIGKILL (0: never)
 * @param seed         the workload's seed
 * @param backend      the manager's {@code --backend}
 * @param walIo        the manager's {@code --wal-io}
 * @param replicated   replicate the store to a local cluster and fail over to a standby instead of restarting
 *                     ({@link ReplicatedDemo}); the check then reads the standby that took over
 */
public record DemoRun(Path directory, double seconds, int workers, long pages, double killAtSeconds, long seed,
        String backend, String walIo, boolean replicated) {
    private static final long START_TIMEOUT_MILLIS = 60_000;
    private static final List<String> CHILD_JVM_OPTIONS = List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
            "-Xmx128m", "-Xshare:auto");
    private static final long CACHE_BYTES_PER_WORKER = 2L << 20;
    private static final int PAGE_SIZE_BYTES = 4096;
    /** The manager runs as its own process, by its command line ({@code pagestore manager}). */
    private static final String MANAGER_MAIN = "dev.pagestore.cli.PageStoreCli";

    /** Runs the demo, printing progress and the report to {@code out}; returns the exit code (0 PASS, 1 FAIL). */
    public int run(PrintWriter out, boolean terminal) throws IOException, InterruptedException {
        Path home = directory.toAbsolutePath().normalize();
        Path dir = DemoDirectory.prepare(home);  // the store's directory
        DemoDirectory.makeStore(home, dir, PAGE_SIZE_BYTES, pages);  // its id in the marker before the store exists
        Path logs = Files.createDirectory(dir.resolveSibling(DemoDirectory.LOGS),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        out.printf("pagestore demo: %d workers, %,d pages of 4 KiB, %.0f s, manager SIGKILL at %.0f s%n", workers,
                pages, seconds, killAtSeconds);
        out.printf("  store %s (emptied at start: every run starts from nothing); logs in %s%n", dir, logs);
        out.flush();
        List<ChildProcess> children = new ArrayList<>();
        ChildProcess manager = null;
        StatCapture capture = new StatCapture(logs.resolve(StatCapture.FILE));
        ReplicatedDemo replication = null;
        try {
            if (replicated) {
                replication = ReplicatedDemo.start(dir.getParent());
                out.printf("  a local cluster of ZooKeeper and 3 bookies; the standby in %s%n",
                        replication.standbyDirectory());
            }
            long t0 = System.nanoTime();
            // Worker JVMs start while the manager starts (2 cores: JVM start-up is most of the wait), and attach
            // once it is ready.
            List<ChildProcess> workerProcesses = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                List<String> args = new ArrayList<>(List.of(dir.toString(), Integer.toString(w),
                        Integer.toString(workers), Long.toString(pages), Double.toString(seconds),
                        Long.toString(seed * 1000 + w), Long.toString(CACHE_BYTES_PER_WORKER),
                        Long.toString(ProcessHandle.current().pid())));
                if (replication != null) {
                    args.add(replication.standbyDirectory().toString());  // the workers follow the failover
                }
                ChildProcess worker = ChildProcess.start("worker-" + w, CHILD_JVM_OPTIONS,
                        DemoWorker.class.getName(), args, logs.resolve("worker-" + w + ".log"));
                workerProcesses.add(worker);
                children.add(worker);
            }
            manager = startManager(dir, logs, 1, replication == null ? List.of() : replication.primaryArguments());
            if (manager == null) {
                out.println("FAIL: the manager did not start; see " + logs.resolve("manager-1.log"));
                return 1;
            }
            if (replication != null) {
                ChildProcess standby = replication.startStandby(dir, logs, CHILD_JVM_OPTIONS.subList(0, 1),
                        MANAGER_MAIN, pages, START_TIMEOUT_MILLIS);
                if (standby == null) {
                    out.println("FAIL: the standby did not start; see " + logs.resolve("standby.log"));
                    return 1;
                }
                children.add(standby);
            }
            out.printf("  manager pid %d ready in %d ms%n", manager.pid(), (System.nanoTime() - t0) / 1_000_000);
            capture.start(dir);
            for (ChildProcess worker : workerProcesses) {
                if (worker.awaitLineStartingWith("STARTED", START_TIMEOUT_MILLIS) == null) {
                    out.println("FAIL: " + worker.name() + " did not start; see " + logs);
                    return 1;
                }
                worker.send("ATTACH");
            }
            for (ChildProcess worker : workerProcesses) {
                if (worker.awaitLineStartingWith("READY", START_TIMEOUT_MILLIS) == null) {
                    out.println("FAIL: " + worker.name() + " did not attach; see " + logs);
                    return 1;
                }
            }
            out.printf("  %d workers attached (each: one client, a %d MiB page cache)%n", workers,
                    CACHE_BYTES_PER_WORKER >> 20);
            out.flush();
            for (ChildProcess worker : workerProcesses) {
                worker.send("GO");
            }
            Loop loop = new Loop(workerProcesses, new ProgressBar(out, terminal), replication);
            ChildProcess[] managerRef = {manager};
            int code = loop.run(dir, logs, managerRef, children);
            manager = managerRef[0];
            if (code != 0) {
                return code;
            }
            return finish(out, loop.replication != null && loop.killNanos != 0 ? loop.replication.standbyDirectory()
                    : dir, loop, manager, capture);
        } finally {
            if (manager != null) {
                manager.destroy();
            }
            for (ChildProcess child : children) {
                child.destroy();
            }
            capture.stop();  // after the processes: whatever it throws, none of them outlives the demo
            if (replication != null) {
                replication.close();
            }
        }
    }

    /** The run loop: progress, the kill and restart, and collecting the workers' results. */
    private final class Loop {
        final List<ChildProcess> workerProcesses;
        final ProgressBar bar;
        final WorkerResult[] results;
        final long[] progressOps;
        final long[] progressRetried;
        final long[] progressViolations;
        WalFigures walBeforeKill = WalFigures.NONE;
        long killNanos;
        long restartReadyMillis = -1;
        long recoveryNanosInManager = -1;
        long recoveredPages = -1;
        long runNanos;
        volatile ChildProcess restarted;
        volatile boolean restartFailed;

        final ReplicatedDemo replication;

        Loop(List<ChildProcess> workerProcesses, ProgressBar bar, ReplicatedDemo replication) {
            this.replication = replication;
            this.workerProcesses = workerProcesses;
            this.bar = bar;
            this.results = new WorkerResult[workerProcesses.size()];
            this.progressOps = new long[results.length];
            this.progressRetried = new long[results.length];
            this.progressViolations = new long[results.length];
            for (int i = 0; i < results.length; i++) {
                results[i] = new WorkerResult();
            }
        }

        int run(Path dir, Path logs, ChildProcess[] manager, List<ChildProcess> children)
                throws IOException, InterruptedException {
            long start = System.nanoTime();
            long hardEnd = start + (long) ((seconds + 60) * 1e9);
            boolean killed = killAtSeconds <= 0;
            while (true) {
                boolean allEnded = true;
                for (int i = 0; i < results.length; i++) {
                    String line;
                    while (!results[i].ended && (line = workerProcesses.get(i).poll(0)) != null) {
                        if (line.startsWith("PROGRESS ")) {
                            String[] f = line.split(" ");
                            progressOps[i] = Long.parseLong(f[1]);
                            progressRetried[i] = Long.parseLong(f[2]);
                            progressViolations[i] = Long.parseLong(f[3]);
                        } else if (results[i].accept(line) && runNanos == 0) {
                            runNanos = System.nanoTime() - start;
                        }
                    }
                    if (!results[i].ended && !workerProcesses.get(i).isAlive()
                            && workerProcesses.get(i).poll(200) == null) {
                        bar.finish();
                        System.out.flush();
                        return fail(workerProcesses.get(i).name() + " exited before reporting; see " + logs);
                    }
                    allEnded &= results[i].ended;
                }
                double elapsed = (System.nanoTime() - start) / 1e9;
                if (!killed && elapsed >= killAtSeconds) {
                    killed = true;
                    walBeforeKill = WalFigures.read(dir);
                    killNanos = System.nanoTime();
                    manager[0].kill9();
                    startRestart(dir, logs);
                }
                if (restarted != null && manager[0] != restarted) {
                    manager[0] = restarted;
                    restartReadyMillis = (System.nanoTime() - killNanos) / 1_000_000;
                    try (StatusView status = StatusView.observe(dir)) {
                        recoveryNanosInManager = status.global(StatusRegionDescriptor.RECOVERY_NANOS);
                        recoveredPages = status.global(StatusRegionDescriptor.RECOVERED_PAGES);
                    } catch (IOException e) {
                        recoveryNanosInManager = -1;
                    }
                }
                if (restartFailed) {
                    bar.finish();
                    return fail("the restarted manager did not become ready; see " + logs.resolve("manager-2.log"));
                }
                String state = !killed ? "up (pid " + manager[0].pid() + ")"
                        : restarted == null ? (replication != null ? "KILLED (SIGKILL), the standby takes over..."
                                : "KILLED (SIGKILL), restarting...")
                        : (replication != null ? "the standby took over (pid " : "restarted (pid ") + restarted.pid()
                                + ", ready " + restartReadyMillis + " ms after the kill)";
                bar.draw(Math.min(elapsed, seconds), seconds, sum(progressOps), sum(progressRetried),
                        sum(progressViolations), state);
                if (allEnded) {
                    bar.finish();
                    for (ChildProcess w : workerProcesses) {
                        w.awaitExit(10_000);
                    }
                    return 0;
                }
                if (System.nanoTime() > hardEnd) {
                    bar.finish();
                    return fail("workers did not finish within " + (seconds + 60) + " s");
                }
                Thread.sleep(100);
            }
        }

        /** A new manager on the store; with a standby, the standby taking the store over instead. */
        private void startRestart(Path dir, Path logs) {
            Thread t = new Thread(() -> {
                try {
                    ChildProcess m;
                    if (replication != null) {
                        m = replication.awaitTakeover(START_TIMEOUT_MILLIS);
                    } else {
                        m = startManager(dir, logs, 2, List.of());
                    }
                    if (m == null) {
                        restartFailed = true;
                    } else {
                        restarted = m;
                    }
                } catch (IOException | InterruptedException e) {
                    restartFailed = true;
                }
            }, "demo-manager-restart");
            t.setDaemon(true);
            t.start();
        }

        private int fail(String why) {
            failure = why;
            return 1;
        }

        String failure;
    }

    private static long sum(long[] values) {
        long s = 0;
        for (long v : values) {
            s += v;
        }
        return s;
    }

    private ChildProcess startManager(Path dir, Path logs, int incarnation, List<String> more)
            throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("manager", "--dir", dir.toString(), "--capacity-pages",
                Long.toString(pages), "--checkpoint-interval-ms", "5000", "--backend", backend, "--wal-io", walIo,
                "--exit-with-parent", Long.toString(ProcessHandle.current().pid())));
        args.addAll(more);
        ChildProcess m = ChildProcess.start("manager", CHILD_JVM_OPTIONS.subList(0, 1), MANAGER_MAIN, args,
                logs.resolve("manager-" + incarnation + ".log"));
        if (m.awaitLineStartingWith("pagestore manager pid", START_TIMEOUT_MILLIS) == null) {
            m.destroy();
            return null;
        }
        return m;
    }

    private int finish(PrintWriter out, Path dir, Loop loop, ChildProcess manager, StatCapture capture)
            throws IOException, InterruptedException {
        if (loop.failure != null) {
            out.println("FAIL: " + loop.failure);
            return 1;
        }
        WalFigures wal = loop.walBeforeKill.plus(WalFigures.read(dir));
        AckedWritesCheck verification = AckedWritesCheck.run(dir, pages, workers, loop.results);
        long reports = capture.stop();
        int managerExit = manager.terminate(30_000);

        long ops = 0;
        long reads = 0;
        long writes = 0;
        long batches = 0;
        long retried = 0;
        long gaveUp = 0;
        long violations = 0;
        long hits = 0;
        long misses = 0;
        long outageMillis = 0;
        Histogram latency = new Histogram(60_000_000_000L, 3);
        for (WorkerResult r : loop.results) {
            ops += r.counter("ops");
            reads += r.counter("reads");
            writes += r.counter("writes");
            batches += r.counter("batches");
            retried += r.counter("retried");
            gaveUp += r.counter("gaveUp");
            violations += r.counter("violations");
            hits += r.counter("hits");
            misses += r.counter("misses");
            outageMillis = Math.max(outageMillis, r.counter("outageMillis"));
            if (r.latency != null) {
                latency.add(r.latency);
            }
        }
        double runSeconds = loop.runNanos / 1e9;
        out.println();
        out.println("Report");
        out.printf("  throughput      %,.0f ops/s (%,d ops in %.1f s: %,d reads, %,d writes, %,d atomic batches of"
                + " 4 pages; the outage included)%n", ops / runSeconds, ops, runSeconds, reads, writes, batches);
        out.printf("  latency         p50 %s  p99 %s  p99.9 %s  max %s (successful operations, %d workers merged)%n",
                micros(latency.getValueAtPercentile(50)), micros(latency.getValueAtPercentile(99)),
                micros(latency.getValueAtPercentile(99.9)), micros(latency.getMaxValue()), loop.results.length);
        out.printf("  page cache      hit rate %.1f%% (%,d hits, %,d misses; %d MiB per worker, W-TinyLFU)%n",
                100.0 * hits / Math.max(1, hits + misses), hits, misses, CACHE_BYTES_PER_WORKER >> 20);
        out.printf("  WAL             %,d fdatasyncs, %,d group commits, mean %.2f records per commit, %,d KiB"
                + " logged, per commit write %.0f us + fdatasync %.0f us (both manager lives)%n", wal.datasyncs(),
                wal.batches(), (double) wal.records() / Math.max(1, wal.batches()), wal.bytes() >> 10,
                wal.writeNanos() / 1e3 / Math.max(1, wal.batches()),
                wal.syncNanos() / 1e3 / Math.max(1, wal.batches()));
        if (loop.killNanos != 0 && replicated) {
            out.printf("  failover        primary SIGKILLed at %.1f s; the standby served writes %d ms after the kill;"
                    + " longest worker stall %d ms; %,d failed attempts retried%n", killAtSeconds,
                    loop.restartReadyMillis, outageMillis, retried);
        } else if (loop.killNanos != 0) {
            out.printf("  recovery        manager SIGKILLed at %.1f s; restarted manager ready %d ms after the kill"
                    + " (WAL recovery inside it: %.1f ms, %,d pages replayed); longest worker stall %d ms;"
                    + " %,d failed attempts retried (MANAGER_GONE while no manager ran)%n", killAtSeconds,
                    loop.restartReadyMillis,
                    loop.recoveryNanosInManager / 1e6, loop.recoveredPages, outageMillis, retried);
        }
        out.printf("  status capture  %s: %d reports of 'pagestore stat --format json' across both managers (charts:"
                + " bench/plot-stat.py OUTDIR %s)%s%n", capture.file(), reports, capture.file(),
                capture.exitCode() == 0 ? "" : "; stat ended with exit code " + capture.exitCode() + ", see "
                        + capture.file().resolveSibling(StatCapture.ERRORS));
        out.printf("  verification    %,d pages read from a fresh client: %,d with acknowledged writes, all holding"
                + " the last acknowledged write: %s%n", pages, verification.pagesWithAcks(),
                verification.failures().isEmpty() ? "yes" : "NO");
        out.printf("                  in-run read checks: %,d violations; operations given up: %,d; manager exit on"
                + " SIGTERM: %d%n", violations, gaveUp, managerExit);
        List<String> problems = new ArrayList<>(verification.failures());
        for (WorkerResult r : loop.results) {
            problems.addAll(r.violations);
        }
        if (violations > 0 && problems.isEmpty()) {
            problems.add(violations + " in-run read check violations");
        }
        if (problems.isEmpty()) {
            out.println("PASS: no acknowledged write was lost across the " + (replicated
                    ? "primary's SIGKILL and the standby's takeover" : "manager's SIGKILL"));
            out.flush();
            return 0;
        }
        problems.stream().limit(20).forEach(p -> out.println("  " + p));
        out.println("FAIL: " + problems.size() + " problem(s)");
        out.flush();
        return 1;
    }

    private static String micros(long nanos) {
        return nanos < 10_000_000 ? String.format("%.0f µs", nanos / 1e3) : String.format("%.1f ms", nanos / 1e6);
    }
}

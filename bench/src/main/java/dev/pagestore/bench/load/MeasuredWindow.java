package dev.pagestore.bench.load;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One run's timeline, on the bench's side of {@link WorkerHarness}'s protocol: {@code go} to every worker at once, the
 * warm-up, then the window, at whose two ends the bench reads the CPU time of every process involved from
 * {@code /proc} (the workers and, for the store, the manager) and, at its end, the manager's resident memory; then
 * every worker's result. The workers time the same window from the {@code go} they read, within a pipe's latency.
 */
final class MeasuredWindow {
    private static final long RESULT_TIMEOUT_MILLIS = 120_000;

    /**
     * @param reports          every worker's report, in worker order
     * @param workersCpuNanos  CPU time of the workers in the window
     * @param managerCpuNanos  CPU time of the manager in the window, -1 without one
     * @param managerRssBytes  the manager's resident memory at the window's end, -1 without one
     */
    record Outcome(List<WorkerReport> reports, long workersCpuNanos, long managerCpuNanos, long managerRssBytes) {
    }

    private MeasuredWindow() {
    }

    /** Runs the window over {@code workers} (ready, waiting for {@code go}); {@code manager} may be null. */
    static Outcome run(List<Child> workers, Child manager, BenchSettings settings, Progress progress, String label)
            throws IOException, InterruptedException {
        long warmupNanos = (long) (settings.warmupSeconds() * 1e9);
        long durationNanos = (long) (settings.durationSeconds() * 1e9);
        // The bench's clock starts before any worker's, so its window lies inside theirs: no worker has ended when
        // the bench reads its CPU time at the window's end.
        long goNanos = System.nanoTime();
        for (Child worker : workers) {
            worker.send("go " + warmupNanos + " " + durationNanos);
        }
        long windowStart = goNanos + warmupNanos;
        long windowEnd = windowStart + durationNanos;
        long[] opsSoFar = new long[workers.size()];
        String[] results = new String[workers.size()];
        long workersAtStart = 0;
        long managerAtStart = 0;
        boolean measuring = false;
        progress.phase(label + (warmupNanos > 0 ? ": warm-up" : ": measuring"));
        while (true) {
            long now = System.nanoTime();
            if (!measuring && now >= windowStart) {
                workersAtStart = cpuNanos(workers);
                managerAtStart = manager != null ? ProcFs.cpuNanos(manager.pid()) : 0;
                measuring = true;
                if (warmupNanos > 0) {
                    progress.phase(label + ": measuring");
                }
            }
            if (now >= windowEnd) {
                break;
            }
            for (int w = 0; w < workers.size(); w++) {
                String line;
                while ((line = workers.get(w).pollLine()) != null) {
                    if (line.startsWith("progress ")) {
                        opsSoFar[w] = Long.parseLong(line.substring("progress ".length()).trim());
                    } else if (line.startsWith(WorkerReport.PREFIX)) {
                        results[w] = line;
                    }
                }
                workers.get(w).checkAlive();
            }
            if (manager != null) {
                manager.checkAlive();
            }
            long phaseStart = measuring ? windowStart : goNanos;
            progress.update((now - phaseStart) / 1e9, (measuring ? durationNanos : warmupNanos) / 1e9, sum(opsSoFar));
            long next = Math.min(now + TimeUnit.SECONDS.toNanos(1), measuring ? windowEnd : windowStart);
            TimeUnit.NANOSECONDS.sleep(Math.max(0, next - System.nanoTime()));
        }
        long workersCpu = cpuNanos(workers) - workersAtStart;
        long managerCpu = manager != null ? ProcFs.cpuNanos(manager.pid()) - managerAtStart : -1;
        long managerRss = manager != null ? ProcFs.residentBytes(manager.pid()) : -1;
        progress.phase(label + ": collecting the workers' results");
        List<WorkerReport> reports = new ArrayList<>();
        for (int w = 0; w < workers.size(); w++) {
            String line = results[w] != null ? results[w]
                    : workers.get(w).awaitLine(WorkerReport.PREFIX, RESULT_TIMEOUT_MILLIS);
            reports.add(WorkerReport.parse(line));
        }
        for (Child worker : workers) {
            worker.send("exit");
        }
        return new Outcome(reports, workersCpu, managerCpu, managerRss);
    }

    private static long cpuNanos(List<Child> processes) throws IOException {
        long sum = 0;
        for (Child process : processes) {
            sum += ProcFs.cpuNanos(process.pid());
        }
        return sum;
    }

    private static long sum(long[] values) {
        long sum = 0;
        for (long value : values) {
            sum += value;
        }
        return sum;
    }
}

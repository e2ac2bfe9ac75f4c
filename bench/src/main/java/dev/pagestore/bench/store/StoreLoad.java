package dev.pagestore.bench.store;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The whole store as its users run it: one manager process (the {@code pagestore manager} command) and N worker
 * processes attached through the public client, each keeping {@code depth} 4 KiB requests outstanding, for a measured
 * window after a warm-up. Prints one line per run: operations per second, latency percentiles (median of the
 * workers'), and CPU microseconds per operation of the manager and of all workers together (from {@code /proc} and
 * each worker's own process CPU time), so that waiting which burns a core shows.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp bench/target/benchmarks.jar dev.pagestore.bench.store.StoreLoad \
 *     DIR WORKERS DEPTH READ_PERCENT WARMUP_S WINDOW_S [PAGES] [manager options...]
 * </pre>
 * Pages are not written before the run, so reads of pages no write has reached yet are holes in the data file that
 * the file system answers without the disk: read-heavy figures measure the path, not the device. For figures against
 * the device and its peers use {@code pagestore bench}, which writes every page first.
 *
 * <p>DIR must not exist or be empty: the run makes a fresh store in {@code DIR/store} ({@code pagestore manager
 * --create}), the processes' logs in DIR beside it (a manager makes a store only in an empty directory), and removes
 * DIR at the end.
 */
public final class StoreLoad {
    private static final long CLOCK_TICKS_PER_SECOND = 100;  // USER_HZ on Linux

    private StoreLoad() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 6) {
            System.err.println("usage: StoreLoad DIR WORKERS DEPTH READ_PERCENT WARMUP_S WINDOW_S [PAGES] [manager options]");
            System.exit(2);
        }
        Path directory = Path.of(args[0]).toAbsolutePath();
        int workers = Integer.parseInt(args[1]);
        int depth = Integer.parseInt(args[2]);
        int readPercent = Integer.parseInt(args[3]);
        double warmupSeconds = Double.parseDouble(args[4]);
        double windowSeconds = Double.parseDouble(args[5]);
        long pages = args.length > 6 ? Long.parseLong(args[6]) : 65_536;
        List<String> managerOptions = args.length > 7 ? Arrays.asList(args).subList(7, args.length) : List.of();
        if (Files.exists(directory)) {
            try (var entries = Files.list(directory)) {
                if (entries.findAny().isPresent()) {
                    System.err.println("StoreLoad: " + directory + " is not empty; give a new directory");
                    System.exit(2);
                }
            }
        }
        Files.createDirectories(directory);
        Path store = directory.resolve("store");
        List<Process> children = new ArrayList<>();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> children.forEach(Process::destroyForcibly)));
        try {
            List<String> manager = new ArrayList<>(List.of("dev.pagestore.cli.PageStoreCli", "manager", "--dir",
                    store.toString(), "--capacity-pages", Long.toString(pages)));
            // A build from before --create (compared by bench/before-after.sh) makes the store without being asked.
            if (Boolean.parseBoolean(System.getProperty("pagestore.storeload.create", "true"))) {
                manager.add("--create");
            }
            manager.addAll(managerOptions);
            Process managerProcess = start(manager, directory.resolve("manager.log"));
            children.add(managerProcess);
            awaitLine(managerProcess, "ready", 60);
            long windowStart = System.currentTimeMillis() + (long) (warmupSeconds * 1000) + 3_000L;
            List<Process> workerProcesses = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                Process worker = start(List.of(StoreLoadWorker.class.getName(), store.toString(),
                        Integer.toString(w), Integer.toString(depth), Integer.toString(readPercent),
                        Long.toString(pages), Long.toString(windowStart), Double.toString(windowSeconds), "1"),
                        directory.resolve("worker-" + w + ".log"));
                children.add(worker);
                workerProcesses.add(worker);
            }
            for (Process worker : workerProcesses) {
                awaitLine(worker, "ready", 60);
            }
            long wait = windowStart - System.currentTimeMillis();
            if (wait < 0) {
                System.err.println("StoreLoad: workers took too long to start; raise the warm-up");
            }
            Thread.sleep(Math.max(0, wait));
            long managerTicksStart = cpuTicks(managerProcess.pid());
            Thread.sleep((long) (windowSeconds * 1000));
            long managerTicksEnd = cpuTicks(managerProcess.pid());
            long ops = 0;
            long workerCpuNanos = 0;
            long errors = 0;
            long[] p50 = new long[workers];
            long[] p99 = new long[workers];
            for (int w = 0; w < workers; w++) {
                String line = awaitLine(workerProcesses.get(w), "result ", 120);
                ops += field(line, "ops");
                workerCpuNanos += field(line, "cpuNanos");
                errors += field(line, "errors");
                p50[w] = field(line, "p50Nanos");
                p99[w] = field(line, "p99Nanos");
                workerProcesses.get(w).waitFor(30, TimeUnit.SECONDS);
            }
            managerProcess.destroy();  // SIGTERM: a clean stop
            managerProcess.waitFor(60, TimeUnit.SECONDS);
            double managerCpuNanos = (managerTicksEnd - managerTicksStart) * 1e9 / CLOCK_TICKS_PER_SECOND;
            Arrays.sort(p50);
            Arrays.sort(p99);
            System.out.printf(Locale.ROOT, "store workers=%d depth=%d read%%=%d ops/s=%.0f p50us=%.1f p99us=%.1f"
                    + " managerCpuUsPerOp=%.2f workerCpuUsPerOp=%.2f totalCpuUsPerOp=%.2f errors=%d%n", workers,
                    depth, readPercent, ops / windowSeconds, p50[workers / 2] / 1e3, p99[workers / 2] / 1e3,
                    managerCpuNanos / 1e3 / Math.max(1, ops), workerCpuNanos / 1e3 / Math.max(1, ops),
                    (managerCpuNanos + workerCpuNanos) / 1e3 / Math.max(1, ops), errors);
        } finally {
            for (Process child : children) {
                child.destroyForcibly();
            }
            ManagerProcess.deleteTree(directory);
        }
    }

    private static Process start(List<String> mainAndArgs, Path log) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElseThrow());
        command.add("--enable-native-access=ALL-UNNAMED");
        command.add("-Xmx256m");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.addAll(mainAndArgs);
        return new ProcessBuilder(command).redirectError(log.toFile()).start();
    }

    private static String awaitLine(Process process, String prefix, int timeoutSeconds) throws IOException {
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        String line;
        while ((line = out.readLine()) != null) {
            if (line.startsWith(prefix) || line.contains(" " + prefix)) {
                return line;
            }
            if (System.nanoTime() > deadline) {
                break;
            }
        }
        throw new IOException("process " + process.pid() + " ended or timed out before printing '" + prefix + "'");
    }

    private static long field(String line, String name) {
        for (String part : line.split(" ")) {
            if (part.startsWith(name + "=")) {
                return Long.parseLong(part.substring(name.length() + 1));
            }
        }
        throw new IllegalArgumentException("no " + name + " in: " + line);
    }

    /** utime + stime of {@code pid} in clock ticks ({@code proc(5)}, fields 14 and 15). */
    private static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }
}

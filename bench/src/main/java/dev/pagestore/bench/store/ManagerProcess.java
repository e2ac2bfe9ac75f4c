package dev.pagestore.bench.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A JMH trial's manager, its own JVM as in production: the {@code pagestore manager} command ({@code PageStoreCli})
 * on a fresh store in a new directory, started and awaited until ready, stopped with SIGTERM (a clean stop: drain
 * and checkpoint). The directory goes with a clean stop and stays, with the manager's log, when the manager failed.
 * {@code --exit-with-parent} stops the manager when the JMH fork dies without a tear-down.
 */
final class ManagerProcess {
    static final String MANAGER_MAIN = "dev.pagestore.cli.PageStoreCli";
    /** The heap {@code StoreLoad} and {@code pagestore bench} give their managers. */
    static final List<String> MANAGER_JVM_OPTIONS = List.of("--enable-native-access=ALL-UNNAMED", "-Xmx256m");
    static final long MANAGER_START_MILLIS = 60_000;
    static final long MANAGER_STOP_MILLIS = 130_000;  // a drain and the shutdown checkpoint (ManagerCommand)
    /** Where trial directories go unless {@code bench/target} or {@code target} is at hand: a real file system. */
    static final String DIRECTORY_PROPERTY = "pagestore.jmh.dir";

    final Path directory;
    final Path store;
    final Path log;
    final Process process;

    private ManagerProcess(Path directory, Path store, Path log, Process process) {
        this.directory = directory;
        this.store = store;
        this.log = log;
        this.process = process;
    }

    /** Starts a manager on a new store of {@code capacityPages} pages and returns once it printed "ready". */
    static ManagerProcess start(String backend, int pageSizeBytes, long capacityPages)
            throws IOException, InterruptedException {
        Path directory = Files.createTempDirectory(defaultParent(), "pagestore-jmh-");
        Path store = directory.resolve("store");
        Path log = directory.resolve("manager.log");
        Path out = directory.resolve("manager.out");
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElseThrow(
                () -> new IOException("cannot find this JVM's java executable")));
        command.addAll(MANAGER_JVM_OPTIONS);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), MANAGER_MAIN, "manager",
                "--dir", store.toString(), "--create", "--capacity-pages", Long.toString(capacityPages),
                "--page-size", Integer.toString(pageSizeBytes), "--backend", backend,
                "--exit-with-parent", Long.toString(ProcessHandle.current().pid())));
        Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(log.toFile())
                .start();
        ManagerProcess manager = new ManagerProcess(directory, store, log, process);
        manager.awaitReady(out);
        return manager;
    }

    private static Path defaultParent() throws IOException {
        String configured = System.getProperty(DIRECTORY_PROPERTY);
        Path parent = configured != null ? Path.of(configured)
                : Files.isDirectory(Path.of("bench", "target")) ? Path.of("bench", "target")
                : Files.isDirectory(Path.of("target")) ? Path.of("target")
                : Path.of(System.getProperty("java.io.tmpdir"));
        Files.createDirectories(parent);
        return parent.toAbsolutePath();
    }

    /** Polls the manager's stdout for its "ready" line (no reader thread to stop afterwards). */
    private void awaitReady(Path out) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(MANAGER_START_MILLIS);
        while (!Files.readString(out).contains(" ready ")) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                process.destroyForcibly().waitFor();
                throw new IOException("the manager " + (process.isAlive() ? "printed no 'ready' within "
                        + MANAGER_START_MILLIS / 1000 + " s" : "exited with code " + process.exitValue())
                        + "; see " + log + ":\n" + Files.readString(log));
            }
            Thread.sleep(20);
        }
    }

    /**
     * SIGTERM and wait: a clean stop drains and checkpoints. The directory goes, unless the manager failed: then it
     * stays with the manager's log, and this throws.
     */
    void stop() throws IOException, InterruptedException {
        process.destroy();
        if (!process.waitFor(MANAGER_STOP_MILLIS, TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor();
            throw new IllegalStateException("the manager did not stop within " + MANAGER_STOP_MILLIS / 1000
                    + " s of SIGTERM; killed it; its log: " + log);
        }
        if (process.exitValue() != 0) {
            throw new IllegalStateException("the manager exited with code " + process.exitValue()
                    + " (see 'pagestore manager --help'); its log: " + log);
        }
        deleteTree(directory);
    }

    /** Removes {@code root} and everything below it, without following links; nothing when it is absent. */
    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {  // does not follow links
            for (Path each : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(each);
            }
        }
    }
}

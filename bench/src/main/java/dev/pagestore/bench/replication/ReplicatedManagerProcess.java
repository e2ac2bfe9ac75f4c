package dev.pagestore.bench.replication;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A replicating manager in its own JVM, as in production: {@code pagestore manager --create --replicate URI} on a new
 * store, started with this JVM's java and class path, ready once it prints its "pagestore manager pid" line; stopped
 * with SIGTERM (a clean stop drains and checkpoints). Its stdout and stderr go to files beside the store (stderr holds
 * the BookKeeper client's warnings). {@code --exit-with-parent} stops it if this JVM dies without stopping it.
 */
final class ReplicatedManagerProcess {
    static final String MANAGER_MAIN = "dev.pagestore.cli.PageStoreCli";
    static final String READY_PREFIX = "pagestore manager pid";
    static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    /** A drain and the shutdown checkpoint, then the ledger's close. */
    static final Duration STOP_TIMEOUT = Duration.ofSeconds(130);
    private static final long POLL_MILLIS = 50;

    private final Path store;
    private final Process process;
    private final Path stdout;
    private final Path stderr;

    private ReplicatedManagerProcess(Path store, Process process, Path stdout, Path stderr) {
        this.store = store;
        this.process = process;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    /**
     * Starts a manager on a new store in {@code store} of {@code capacityPages} pages, replicating to
     * {@code metadataServiceUri}, with its output in {@code logDirectory}; returns once it is ready.
     *
     * @throws IOException when it exits or prints no ready line within {@link #START_TIMEOUT} (its stderr quoted)
     */
    static ReplicatedManagerProcess start(Path store, Path logDirectory, String metadataServiceUri,
            long capacityPages) throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command()
                .orElseThrow(() -> new IOException("cannot find this JVM's java executable"));
        List<String> command = List.of(java, "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), MANAGER_MAIN,
                "manager", "--dir", store.toString(), "--create", "--capacity-pages", Long.toString(capacityPages),
                "--replicate", metadataServiceUri,
                "--exit-with-parent", Long.toString(ProcessHandle.current().pid()));
        Files.createDirectories(logDirectory);
        Path stdout = logDirectory.resolve("manager.out");
        Path stderr = logDirectory.resolve("manager.err");
        Process process = new ProcessBuilder(command).redirectOutput(stdout.toFile()).redirectError(stderr.toFile())
                .start();
        ReplicatedManagerProcess manager = new ReplicatedManagerProcess(store, process, stdout, stderr);
        manager.awaitReady();
        return manager;
    }

    /** Polls stdout for the ready line (no reader thread to stop afterwards). */
    private void awaitReady() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (Files.readAllLines(stdout).stream().noneMatch(line -> line.startsWith(READY_PREFIX))) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                process.destroyForcibly().waitFor();
                throw new IOException("the manager " + (process.isAlive() ? "printed no '" + READY_PREFIX
                        + "' line within " + START_TIMEOUT.toSeconds() + " s" : "exited with code "
                        + process.exitValue()) + "; its stderr, " + stderr + ":\n" + Files.readString(stderr));
            }
            Thread.sleep(POLL_MILLIS);
        }
    }

    /** The store's directory, the manager's {@code --dir}: where a client attaches. */
    Path storeDirectory() {
        return store;
    }

    long pid() {
        return process.pid();
    }

    Path stderr() {
        return stderr;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /**
     * SIGTERM, and waits for the exit; kills it (SIGKILL) when it has not stopped within {@link #STOP_TIMEOUT}.
     *
     * @return its exit code (0 for a clean stop), or -1 when it had to be killed
     */
    int stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor();
            return -1;
        }
        return process.exitValue();
    }
}

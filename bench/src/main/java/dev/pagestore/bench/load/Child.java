package dev.pagestore.bench.load;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A process the bench starts: a JVM on the bench's own {@code java} and class path (the manager, a worker), or a
 * command (fio). Stdout lines are queued for the bench; stderr goes to a log file in the bench's directory.
 *
 * <h2>No child outlives the bench</h2>
 * Every child still running is stopped by {@link #stopAll()} (SIGTERM, then SIGKILL after
 * {@value #STOP_WAIT_MILLIS} ms), which the bench calls at its end and from its shutdown hook (Ctrl-C, SIGTERM).
 * After a {@code kill -9} of the bench, its JVM children notice by themselves: the manager through
 * {@code --exit-with-parent}, workers through {@link WorkerHarness}. fio ends at its runtime.
 */
final class Child {
    static final long STOP_WAIT_MILLIS = 10_000;
    private static final Set<Child> RUNNING = ConcurrentHashMap.newKeySet();

    private final String name;
    private final Process process;
    private final Path log;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final BufferedWriter stdin;
    private volatile boolean outputEnded;

    private Child(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.stdin = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
        Thread pump = new Thread(this::pump, "bench-" + name + "-stdout");
        pump.setDaemon(true);
        pump.start();
    }

    /** Starts {@code mainClass args...} in a new JVM with this JVM's class path and native access. */
    static Child startJvm(String name, List<String> jvmOptions, String mainClass, List<String> args, Path log)
            throws IOException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElseThrow(
                () -> new IOException("cannot find this JVM's java executable")));
        command.add("--enable-native-access=ALL-UNNAMED");
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass);
        command.addAll(args);
        return start(name, command, log);
    }

    /** Starts {@code command}, its stderr appended to {@code log}. */
    static Child start(String name, List<String> command, Path log) throws IOException {
        if (!Files.exists(log)) {
            Files.createFile(log);
        }
        Process process = new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        Child child = new Child(name, process, log);
        RUNNING.add(child);
        process.onExit().thenRun(() -> RUNNING.remove(child));
        return child;
    }

    /** Stops every child still running: SIGTERM to all, then SIGKILL to any still there after the wait. */
    static void stopAll() {
        List<Child> children = new ArrayList<>(RUNNING);
        for (Child child : children) {
            child.process.destroy();
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STOP_WAIT_MILLIS);
        for (Child child : children) {
            try {
                if (!child.process.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    child.process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                child.process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    private void pump() {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                lines.add(line);
            }
        } catch (IOException ignored) {
            // the process is gone; its exit code and log tell the rest
        } finally {
            outputEnded = true;
        }
    }

    /** The next stdout line, or null when none is waiting. */
    String pollLine() {
        return lines.poll();
    }

    /**
     * Waits for a stdout line that starts with {@code prefix} (others are dropped).
     *
     * @throws IOException naming the child, its state and its log when none came within the time
     */
    String awaitLine(String prefix, long timeoutMillis) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (true) {
            long left = deadline - System.nanoTime();
            String line = lines.poll(Math.max(0, Math.min(left, 50_000_000L)), TimeUnit.NANOSECONDS);
            if (line != null && line.startsWith(prefix)) {
                return line;
            }
            if (line == null && (left <= 0 || (outputEnded && lines.isEmpty()))) {
                throw new IOException(name + " " + (process.isAlive() ? "printed no '" + prefix.trim() + "' within "
                        + timeoutMillis / 1000 + " s" : "exited with code " + exitCodeAfterOutput()
                        + " before it printed '" + prefix.trim() + "'") + "; see " + log);
            }
        }
    }

    private int exitCodeAfterOutput() throws InterruptedException {
        process.waitFor(1, TimeUnit.SECONDS);
        return process.isAlive() ? -1 : process.exitValue();
    }

    void send(String line) throws IOException {
        stdin.write(line);
        stdin.newLine();
        stdin.flush();
    }

    /** SIGTERM, then the exit code; SIGKILL and -1 when it has not exited within {@code timeoutMillis}. */
    int stop(long timeoutMillis) throws InterruptedException {
        process.destroy();
        return awaitExit(timeoutMillis);
    }

    /** The exit code; SIGKILL and -1 when it has not exited within {@code timeoutMillis}. */
    int awaitExit(long timeoutMillis) throws InterruptedException {
        if (!process.waitFor(timeoutMillis, TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            process.waitFor();
            return -1;
        }
        return process.exitValue();
    }

    /** Fails with the child's name and log when it has exited. */
    void checkAlive() throws IOException {
        if (!process.isAlive()) {
            throw new IOException(name + " exited with code " + process.exitValue() + " during the run; see " + log);
        }
    }

    /** The last lines of the log (what a failing child said last), as {@code "; its log ends: ..."}, or "". */
    String logTail() {
        try {
            List<String> all = Files.readAllLines(log).stream().filter(l -> !l.isBlank()).toList();
            if (all.isEmpty()) {
                return "";
            }
            return "; its log ends:\n    " + String.join("\n    ", all.subList(Math.max(0, all.size() - 3),
                    all.size()));
        } catch (IOException | java.io.UncheckedIOException e) {
            return "";
        }
    }

    long pid() {
        return process.pid();
    }

    String name() {
        return name;
    }

    Path log() {
        return log;
    }

    ProcessHandle handle() {
        return process.toHandle();
    }
}

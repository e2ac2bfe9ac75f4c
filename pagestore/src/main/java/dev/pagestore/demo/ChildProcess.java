package dev.pagestore.demo;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A JVM the demo (or a torture loop) starts with its own {@code java} executable, class path and native access:
 * stdout lines are queued for the demo, stderr goes to a log file (the manager's log, a worker's complaints), created
 * owner-only.
 *
 * <h2>No child outlives the demo</h2>
 * However the demo ends. On SIGTERM or SIGINT the JVM runs no {@code finally}, so a shutdown hook
 * ({@link #stopAll}) stops every child still running: SIGTERM (the manager checkpoints, a worker exits), then SIGKILL
 * for one that has not ended within {@value #STOP_WAIT_MILLIS} ms; no child is started once it has begun. A
 * {@code kill -9} of the demo runs nothing at all, so each child also watches its parent and ends when the demo is
 * gone (the demo passes its pid: {@code pagestore manager --exit-with-parent}, {@link DemoWorker}'s last argument;
 * {@link dev.pagestore.ipc.linux.ParentWatch}).
 */
public final class ChildProcess {
    private static final long STOP_WAIT_MILLIS = 10_000;
    /** Children started and not yet ended. */
    private static final Set<ChildProcess> RUNNING = ConcurrentHashMap.newKeySet();
    private static volatile boolean stopping;

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(ChildProcess::stopAll, "demo-stop-children"));
    }

    private final String name;
    private final Process process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final BufferedWriter stdin;
    private volatile boolean outputClosed;

    private ChildProcess(String name, Process process) {
        this.name = name;
        this.process = process;
        this.stdin = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
        Thread pump = new Thread(this::pump, "demo-" + name + "-stdout");
        pump.setDaemon(true);
        pump.start();
    }

    /** Starts {@code mainClass args...} in a new JVM, its stderr appended to {@code log}. */
    public static ChildProcess start(String name, List<String> jvmOptions, String mainClass, List<String> args,
            Path log) throws IOException {
        if (stopping) {
            throw new IOException("the demo is stopping: " + name + " is not started");
        }
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElseThrow(
                () -> new IOException("cannot find this JVM's java executable")));
        command.add("--enable-native-access=ALL-UNNAMED");
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass);
        command.addAll(args);
        if (!Files.exists(log)) {
            Files.createFile(log, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        }
        Process process = new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        ChildProcess child = new ChildProcess(name, process);
        RUNNING.add(child);
        process.onExit().thenRun(() -> RUNNING.remove(child));
        return child;
    }

    /**
     * Stops every child still running (the shutdown hook): SIGTERM to all, then SIGKILL to any that has not ended
     * within {@value #STOP_WAIT_MILLIS} ms.
     */
    static void stopAll() {
        stopping = true;
        List<ChildProcess> children = new ArrayList<>(RUNNING);
        for (ChildProcess child : children) {
            child.process.destroy();
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STOP_WAIT_MILLIS);
        for (ChildProcess child : children) {
            try {
                if (!child.process.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    child.process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                child.process.destroyForcibly();
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
            // the process is gone; its exit code tells the rest
        } finally {
            outputClosed = true;
        }
    }

    /** The next stdout line within {@code timeoutMillis}, or null (timeout, or the process's output ended). */
    public String poll(long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
        while (true) {
            String line = lines.poll(Math.min(50, Math.max(0, (deadline - System.nanoTime()) / 1_000_000)),
                    TimeUnit.MILLISECONDS);
            if (line != null || System.nanoTime() >= deadline || (outputClosed && lines.isEmpty())) {
                return line;
            }
        }
    }

    /** Waits for a stdout line starting with {@code prefix}; null when none came in time or the output ended. */
    public String awaitLineStartingWith(String prefix, long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
        while (System.nanoTime() < deadline) {
            String line = poll(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            if (line != null && line.startsWith(prefix)) {
                return line;
            }
            if (line == null && outputClosed && lines.isEmpty()) {
                return null;
            }
        }
        return null;
    }

    public void send(String line) throws IOException {
        stdin.write(line);
        stdin.newLine();
        stdin.flush();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** SIGKILL, and wait until the kernel reaped it. */
    public void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** SIGTERM, then the exit code (SIGKILL and -1 when it does not exit within {@code timeoutMillis}). */
    public int terminate(long timeoutMillis) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(timeoutMillis, TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            process.waitFor();
            return -1;
        }
        return process.exitValue();
    }

    /** The exit code, waiting at most {@code timeoutMillis}; -1 (after SIGKILL) when it is still running. */
    public int awaitExit(long timeoutMillis) throws InterruptedException {
        if (!process.waitFor(timeoutMillis, TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            process.waitFor();
            return -1;
        }
        return process.exitValue();
    }

    /** Kills it if it still runs (the demo's last resort on every path). */
    public void destroy() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
    }

    public long pid() {
        return process.pid();
    }

    public String name() {
        return name;
    }
}

package dev.pagestore.ipc.testing;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM started with this test's own {@code java}, class path and JVM flags ({@code -ea},
 * {@code --enable-native-access}), running {@code mainClass.main(args)}. Multi-process behaviour is tested with real
 * processes (STYLE.md), and this is how every test starts one.
 *
 * <p>The child's stdout is read line by line on a daemon thread ({@link #awaitLine}); stderr is copied to this
 * process's stderr prefixed with the child's pid, so a failing child explains itself in the test log.
 */
public final class ChildJvm implements AutoCloseable {
    private final Process process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final List<String> errorLines = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Thread errorPump;
    private final BufferedWriter stdin;

    private ChildJvm(Process process) {
        this.process = process;
        this.stdin = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
        Thread out = new Thread(() -> pump(new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)), true), "child-stdout");
        Thread err = new Thread(() -> pump(new BufferedReader(
                new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8)), false), "child-stderr");
        out.setDaemon(true);
        err.setDaemon(true);
        out.start();
        err.start();
        this.errorPump = err;
    }

    /** Starts {@code mainClass} in a new JVM with extra JVM options before the class name. */
    public static ChildJvm start(Class<?> mainClass, List<String> jvmOptions, String... args) throws IOException {
        return startWrapped(List.of(), mainClass, jvmOptions, args);
    }

    /**
     * Starts {@code mainClass} in a new JVM that {@code wrapper} runs (a command that executes the rest of its
     * arguments, such as {@code unshare --pid --fork} or {@code nsenter --target PID --pid}); {@link #pid()} is the
     * wrapper's then.
     */
    public static ChildJvm startWrapped(List<String> wrapper, Class<?> mainClass, List<String> jvmOptions,
                                        String... args) throws IOException {
        List<String> command = new ArrayList<>(wrapper);
        command.add(ProcessHandle.current().info().command().orElseThrow(
                () -> new IllegalStateException("cannot find this JVM's java executable")));
        String flags = System.getProperty("pagestore.test.jvmArgs", "-ea --enable-native-access=ALL-UNNAMED");
        command.addAll(Arrays.asList(flags.trim().split("\\s+")));
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass.getName());
        command.addAll(Arrays.asList(args));
        return new ChildJvm(new ProcessBuilder(command).start());
    }

    /** Starts {@code mainClass} in a new JVM. */
    public static ChildJvm start(Class<?> mainClass, String... args) throws IOException {
        return start(mainClass, List.of(), args);
    }

    private void pump(BufferedReader reader, boolean toQueue) {
        try (reader) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (toQueue) {
                    lines.add(line);
                } else {
                    errorLines.add(line);
                    System.err.println("[child " + process.pid() + "] " + line);
                }
            }
        } catch (IOException ignored) {
            // the child is gone; its exit code tells the rest
        }
    }

    /**
     * The next stdout line, waiting at most {@code timeout}.
     *
     * @throws AssertionError naming the child's state when no line arrives in time
     */
    public String awaitLine(Duration timeout) throws InterruptedException {
        String line = lines.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
        if (line == null) {
            throw new AssertionError("child " + process.pid() + " printed no line within " + timeout
                    + (process.isAlive() ? " (still running)" : " (exited with " + process.exitValue() + ")"));
        }
        return line;
    }

    /** Waits for the next stdout line that starts with {@code prefix}, skipping others. */
    public String awaitLineStartingWith(String prefix, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String line = awaitLine(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            if (line.startsWith(prefix)) {
                return line;
            }
        }
    }

    /** Writes one line to the child's stdin. */
    public void send(String line) throws IOException {
        stdin.write(line);
        stdin.newLine();
        stdin.flush();
    }

    /** Waits for the child to exit and returns its exit code; fails the test when it does not exit in time. */
    public int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("child " + process.pid() + " did not exit within " + timeout);
        }
        return process.exitValue();
    }

    /**
     * SIGTERM, keeping the child's output: {@link Process#destroy()} also closes the pipes, so whatever the child
     * prints while it stops (its shutdown messages) would be lost.
     */
    public void sigterm() {
        process.toHandle().destroy();
    }

    /** {@code kill -9}: the child gets no chance to clean up. Waits until the kernel has reaped it. */
    public void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    public long pid() {
        return process.pid();
    }

    /**
     * Every stderr line so far (they are also copied to this process's stderr); once the child has exited, all of
     * them (this waits for the last to be read).
     */
    public List<String> errorLines() throws InterruptedException {
        if (!process.isAlive()) {
            errorPump.join(10_000);
        }
        return List.copyOf(errorLines);
    }

    public Process process() {
        return process;
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}

package dev.pagestore.replication.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One child of a local cluster (ZooKeeper or a bookie): its command, port and log file, and its current process,
 * which may be started again after it ended. Its stdout and stderr are appended to the log, so nothing is lost when
 * nobody reads them and the launcher never blocks on a full pipe.
 *
 * <p>A child that ends without {@link #stop} or {@link #kill} (a crash, an out-of-memory exit) is logged at WARN with
 * its log file. Not thread-safe: {@link LocalCluster} calls it under its lock.
 */
final class ServiceProcess {
    private static final Logger LOG = LoggerFactory.getLogger(ServiceProcess.class);
    private static final int LOG_TAIL_LINES = 8;

    private final String name;
    private final int port;
    private final Path log;
    private final List<String> command;
    private Process process;
    private volatile boolean ending;

    ServiceProcess(String name, int port, Path log, List<String> command) {
        this.name = name;
        this.port = port;
        this.log = log;
        this.command = List.copyOf(command);
    }

    String name() {
        return name;
    }

    int port() {
        return port;
    }

    Path log() {
        return log;
    }

    /** Starts a new process; the previous one, if any, must have ended. */
    void start() throws IOException {
        if (isAlive()) {
            throw new IllegalStateException(name + " is running (pid " + process.pid() + ")");
        }
        ending = false;
        Process started = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .start();
        started.onExit().thenAccept(ended -> {
            if (!ending) {
                LOG.warn("{} (pid {}) ended by itself with exit code {}: read {}", name, ended.pid(),
                        ended.exitValue(), log);
            }
        });
        process = started;
    }

    boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** The pid of the current or last process; -1 before the first start. */
    long pid() {
        return process == null ? -1 : process.pid();
    }

    /** Sends SIGTERM, a clean stop, without waiting: {@link #stop} waits. */
    void beginStop() {
        if (isAlive()) {
            ending = true;
            process.destroy();
        }
    }

    /** SIGTERM (a clean stop), and SIGKILL when the process has not ended within {@code grace}; waits until it has. */
    void stop(Duration grace) throws InterruptedException {
        if (!isAlive()) {
            return;
        }
        beginStop();
        if (!process.waitFor(grace.toNanos(), TimeUnit.NANOSECONDS)) {
            LOG.warn("{} (pid {}) did not stop within {} s of SIGTERM: killing it; read {}", name, process.pid(),
                    grace.toSeconds(), log);
            kill();
        }
    }

    /**
     * SIGKILL, as a crash; waits until the kernel has reaped the process. The wait is not interruptible (a killed
     * process ends at once), so that no caller leaves an unreaped child behind; an interrupt is kept for the caller.
     */
    void kill() {
        if (process == null) {
            return;
        }
        ending = true;
        process.destroyForcibly();
        boolean interrupted = false;
        while (true) {
            try {
                process.waitFor();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Why the process is not ready, for an exception: that it has ended (with its code) or is still starting after
     * {@code waited}, its log file, and the log's last lines.
     */
    String notReady(String what, Duration waited) {
        String state = isAlive() ? "is still not " + what + " after " + waited.toSeconds() + " s"
                : "ended with exit code " + process.exitValue() + " before it was " + what;
        return name + " (pid " + pid() + ") " + state + ": read " + log + ", which ends with:\n" + tail();
    }

    private String tail() {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
        } catch (IOException e) {
            return "(cannot read it: " + e + ")";
        }
    }
}

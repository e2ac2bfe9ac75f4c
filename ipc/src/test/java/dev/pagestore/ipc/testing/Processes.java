package dev.pagestore.ipc.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether a process still runs, for tests that check that processes ended. {@link ProcessHandle#isAlive()} is not
 * enough: it counts a zombie as alive, and an orphan whose new parent never reaps it (a container whose init does
 * not, as on the machine these tests were written on) stays a zombie for good although it has ended.
 */
public final class Processes {
    private Processes() {
    }

    /** True while {@code pid} exists and is not a zombie ({@code /proc/PID/stat} state other than Z or X). */
    public static boolean isRunning(long pid) {
        String stat;
        try {
            stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        } catch (IOException e) {
            return false;  // gone (and reaped)
        }
        // "pid (comm) S ...": comm may hold spaces and parentheses, so the state follows the last ')'
        int close = stat.lastIndexOf(')');
        char state = close >= 0 && close + 2 < stat.length() ? stat.charAt(close + 2) : '?';
        return state != 'Z' && state != 'X';
    }

    /** Waits up to {@code timeoutMillis} for {@code pid} to end; true when it did. */
    public static boolean awaitEnd(long pid, long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
        while (isRunning(pid)) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }
}

package dev.pagestore.bench.load;

import dev.pagestore.ipc.linux.LibcProcesses;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the bench reads of other processes, from {@code /proc} only ({@code proc(5)}): CPU time and resident memory.
 * Every process is measured the same way, the store's, the peers' and fio's, whatever it reports about itself.
 */
final class ProcFs {
    /** {@code sysconf(_SC_CLK_TCK)}: the unit of {@code utime} and {@code stime}, 100 on Linux (USER_HZ). */
    static final long CLOCK_TICKS_PER_SECOND = LibcProcesses.sysconf(LibcProcesses.SC_CLK_TCK);

    static {
        if (CLOCK_TICKS_PER_SECOND <= 0) {
            throw new ExceptionInInitializerError("sysconf(_SC_CLK_TCK) returned " + CLOCK_TICKS_PER_SECOND);
        }
    }

    private ProcFs() {
    }

    /**
     * CPU time {@code pid} has used, user and system, all its threads, in nanoseconds (fields 14 and 15 of
     * {@code /proc/PID/stat}, counted after the last {@code ')'}: the command name may hold anything).
     *
     * @throws IOException when the process is gone
     */
    static long cpuNanos(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);  // field 3 is fields[0]
        return ticks * 1_000_000_000L / CLOCK_TICKS_PER_SECOND;
    }

    /**
     * The resident memory of {@code pid} in bytes ({@code VmRSS} of {@code /proc/PID/status}: anonymous, file and
     * shared memory it has touched, which includes the channels it maps).
     */
    static long residentBytes(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                String[] parts = line.substring("VmRSS:".length()).trim().split("\\s+");
                return Long.parseLong(parts[0]) * 1024;  // "kB" in the kernel's spelling is KiB
            }
        }
        throw new IOException("/proc/" + pid + "/status has no VmRSS line");
    }

    /** Whether this process's stderr is a terminal (its descriptor 2 is a tty or a pseudo-terminal). */
    static boolean stderrIsTerminal() {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** The 1-minute load average, to print beside the figures it may explain. */
    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException e) {
            return "?";
        }
    }
}

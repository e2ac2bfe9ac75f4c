package dev.pagestore.ipc.linux;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.OptionalLong;

/**
 * When a process started, read from {@code /proc/PID/stat} (field 22, {@code starttime}) and from nothing else of it:
 * with its pid, the start time names one process for its whole life, whatever pid reuse comes later.
 *
 * <h2>Why not {@link ProcessHandle.Info}: it reads the process's own memory</h2>
 * {@code ProcessHandle.of(pid).info()} opens {@code /proc/PID/cmdline}, reads the {@code /proc/PID/exe} link and looks
 * up the owner's user name. The kernel serves {@code cmdline} by reading the target's memory (its argv strings,
 * through {@code access_remote_vm}, under the target's {@code mmap} lock), and the target decides what backs that
 * memory and how long it holds that lock. CVE-2018-1120 made every reader block for good with a page of a FUSE file
 * that its server never answers mapped over argv; kernels since 4.18 read only anonymous memory there, and on the
 * 6.18 kernel these tests were written on a {@code userfaultfd} page put under argv ({@code PR_SET_MM_MAP}, which any
 * process may do) makes the read fail at once instead of waiting. But a process can still hold its {@code mmap} lock
 * for long stretches (changing the protection of, or unmapping, a large populated range; forking a large address
 * space), older kernels differ, and the user-name lookup may wait on NSS (LDAP, sssd). The manager names its peers on
 * the control thread, which serves every attach, detach and peer death: a read that a worker can stall stalls them
 * all, and the manager does not even stop, its thread being alive. {@code /proc/PID/stat} is made from the kernel's
 * own record of the task and touches none of the process's memory. So this class reads only that file, and nothing on
 * a thread that serves peers may use {@code ProcessHandle.Info} of a peer ({@code ProcessStartTimeTest}).
 *
 * <h2>Parsing</h2>
 * {@code pid (comm) state ppid ...}: {@code comm} (field 2) is the process's own choice ({@code prctl(PR_SET_NAME)},
 * or the name of the file it executed, up to 15 bytes, kernel threads up to 63) and may hold spaces, parentheses and
 * digits, so fields are counted from the last {@code ')'}. The read is bounded ({@link #STAT_BYTES_MAX}); the line is
 * far shorter (52 numbers after {@code comm}).
 *
 * <p>Thread safety: all methods may be called from any thread.
 */
public final class ProcessStartTime {
    /** Longer than any {@code /proc/PID/stat} line: 63 bytes of comm, 50 fields of at most 20 digits, separators. */
    static final int STAT_BYTES_MAX = 4096;
    private static final int START_TIME_FIELD = 22;

    private ProcessStartTime() {
    }

    /** The start time of the process {@code pid} in clock ticks after boot, or empty when it is gone (or unreadable). */
    public static OptionalLong ticks(long pid) {
        if (pid <= 0) {
            throw new IllegalArgumentException("pid=" + pid + " must be positive");
        }
        ByteBuffer stat = ByteBuffer.allocate(STAT_BYTES_MAX);
        try (FileChannel file = FileChannel.open(Path.of("/proc", Long.toString(pid), "stat"),
                StandardOpenOption.READ)) {
            while (stat.hasRemaining() && file.read(stat) > 0) {
                // bounded by the buffer: a line longer than it is refused by the parser below
            }
        } catch (IOException e) {
            return OptionalLong.empty();  // no such process (ENOENT, or ESRCH while it exits): "unknown"
        }
        return parseStartTicks(new String(stat.array(), 0, stat.position(), StandardCharsets.US_ASCII));
    }

    /**
     * The start time of the process {@code pid} in epoch milliseconds, computed as {@link ProcessHandle.Info#startInstant}
     * does it on Linux (boot time from {@code /proc/stat} plus the start ticks), so both agree to the millisecond; empty
     * when it is gone.
     */
    public static OptionalLong epochMillis(long pid) {
        OptionalLong ticks = ticks(pid);
        return ticks.isPresent() ? OptionalLong.of(epochMillisOfTicks(ticks.getAsLong())) : OptionalLong.empty();
    }

    /** A start time in clock ticks after boot, as epoch milliseconds (as {@link #epochMillis} computes it). */
    public static long epochMillisOfTicks(long ticks) {
        if (ticks < 0) {
            throw new IllegalArgumentException("ticks=" + ticks + " must not be negative");
        }
        return Boot.EPOCH_MILLIS + ticks * 1000 / Boot.TICKS_PER_SECOND;
    }

    /**
     * Field 22 of one {@code /proc/PID/stat} line, counted after the last {@code ')'}; empty when the text is not such
     * a line (no {@code ')'}, too few fields, not a number, or longer than {@link #STAT_BYTES_MAX}: cut off).
     */
    static OptionalLong parseStartTicks(String stat) {
        if (stat.length() >= STAT_BYTES_MAX || !stat.endsWith("\n")) {
            return OptionalLong.empty();
        }
        int commEnd = stat.lastIndexOf(')');
        if (commEnd < 0) {
            return OptionalLong.empty();
        }
        // After "comm)": " state ppid ...", so field 3 is the first token; field 22 the twentieth.
        String[] fields = stat.substring(commEnd + 1).trim().split(" ");
        int index = START_TIME_FIELD - 3;
        if (fields.length <= index || fields[index].isEmpty()) {
            return OptionalLong.empty();
        }
        try {
            long ticks = Long.parseLong(fields[index]);
            return ticks >= 0 ? OptionalLong.of(ticks) : OptionalLong.empty();
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** Read once: the boot time and the tick length do not change while the system runs. */
    private static final class Boot {
        static final long EPOCH_MILLIS = readBootSeconds() * 1000;
        static final long TICKS_PER_SECOND = readTicksPerSecond();

        private static long readBootSeconds() {
            // /proc/stat is the system's, not a peer's: its "btime" line is what the JDK reads for the same figure.
            try (BufferedReader reader = Files.newBufferedReader(Path.of("/proc/stat"), StandardCharsets.US_ASCII)) {
                String line;
                while ((line = reader.readLine()) != null) {
                    if (line.startsWith("btime ")) {
                        return Long.parseLong(line.substring("btime ".length()).trim());
                    }
                }
            } catch (IOException | NumberFormatException e) {
                throw new ExceptionInInitializerError("cannot read the boot time from /proc/stat: " + e);
            }
            throw new ExceptionInInitializerError("/proc/stat has no btime line; is /proc mounted?");
        }

        private static long readTicksPerSecond() {
            long ticks = LibcProcesses.sysconf(LibcProcesses.SC_CLK_TCK);
            if (ticks <= 0) {
                throw new ExceptionInInitializerError("sysconf(_SC_CLK_TCK) returned " + ticks);
            }
            return ticks;
        }
    }
}

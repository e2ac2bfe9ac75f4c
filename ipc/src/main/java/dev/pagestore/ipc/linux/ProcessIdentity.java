package dev.pagestore.ipc.linux;

import java.time.Instant;
import java.util.OptionalLong;

/**
 * A process as Linux names it exactly: its pid and its start time in clock ticks after boot (field 22 of
 * {@code /proc/PID/stat}, {@link ProcessStartTime}). A pid alone is ambiguous once the kernel reuses it; the pair names
 * one process for its whole life, so a channel header, the status region or the control plane can tell "the worker
 * that attached" from "a process that got its pid afterwards". Ticks are the kernel's own figure: a wire format that
 * wanted another unit would convert at its edge, not here.
 *
 * <h2>Read nothing a peer controls</h2>
 * The start time comes from {@code /proc/PID/stat} alone, never from {@link ProcessHandle.Info}, which reads the
 * process's {@code cmdline}, that is its own memory: a worker can make such a read block, and the control thread that
 * names peers serves every other worker too (see {@link ProcessStartTime} for the hazard).
 *
 * @param pid            the process id, {@code 1..}{@link #PID_MAX}
 * @param startTimeTicks start time after boot in {@code sysconf(_SC_CLK_TCK)} ticks, or {@link #UNKNOWN_START_TIME}
 */
public record ProcessIdentity(long pid, long startTimeTicks) {
    /** Linux's PID_MAX_LIMIT on 64-bit ({@code 4 * 1024 * 1024}); {@code /proc/sys/kernel/pid_max} cannot exceed it. */
    public static final long PID_MAX = 4L * 1024 * 1024;
    /** The start time could not be read: the process is gone, or the pid now names a later process. */
    public static final long UNKNOWN_START_TIME = -1;

    public ProcessIdentity {
        if (pid < 1 || pid > PID_MAX) {
            throw new IllegalArgumentException("pid=" + pid + " is not a pid in [1, " + PID_MAX + "]");
        }
        if (startTimeTicks < 0 && startTimeTicks != UNKNOWN_START_TIME) {
            throw new IllegalArgumentException("startTimeTicks=" + startTimeTicks + " is neither clock ticks nor "
                    + UNKNOWN_START_TIME + " (unknown)");
        }
    }

    /** This process (read from {@code /proc} once: it cannot change while the process lives). */
    public static ProcessIdentity current() {
        return Self.VALUE;
    }

    private static final class Self {
        static final ProcessIdentity VALUE = of(ProcessHandle.current().pid());
    }

    /**
     * The process {@code pid} as {@code /proc/PID/stat} names it now: its start time, or {@link #UNKNOWN_START_TIME}
     * when it is gone. Reads nothing of the process's memory.
     */
    public static ProcessIdentity of(long pid) {
        return new ProcessIdentity(pid, ProcessStartTime.ticks(pid).orElse(UNKNOWN_START_TIME));
    }

    /**
     * The process {@code pid} that connected to a socket at {@code connectedAtMillis} (epoch milliseconds), as the
     * kernel describes it now: its start time from {@code /proc/PID/stat}, or {@link #UNKNOWN_START_TIME} when it is
     * gone, or when the process now holding the pid started after the connection (the pid was reused). Safe on a
     * thread that serves other peers: it reads nothing the process controls.
     */
    public static ProcessIdentity ofPeer(long pid, long connectedAtMillis) {
        long ticks = ProcessStartTime.ticks(pid).orElse(UNKNOWN_START_TIME);
        // Start times have clock-tick precision and come from the boot time; a second of slack absorbs both.
        if (ticks != UNKNOWN_START_TIME && ProcessStartTime.epochMillisOfTicks(ticks) > connectedAtMillis + 1_000) {
            ticks = UNKNOWN_START_TIME;
        }
        return new ProcessIdentity(pid, ticks);
    }

    /** Whether this exact process (same pid and start time) is still running. */
    public boolean isAlive() {
        return startTimeTicks != UNKNOWN_START_TIME
                && ProcessStartTime.ticks(pid).equals(OptionalLong.of(startTimeTicks));
    }

    /**
     * The start time in epoch milliseconds as {@link ProcessHandle.Info#startInstant()} would report it on Linux, or
     * {@link #UNKNOWN_START_TIME}: for people and logs; the ticks are what identify the process.
     */
    public long startTimeMillis() {
        return startTimeTicks == UNKNOWN_START_TIME ? UNKNOWN_START_TIME
                : ProcessStartTime.epochMillisOfTicks(startTimeTicks);
    }

    @Override
    public String toString() {
        return "pid " + pid + " (started " + (startTimeTicks == UNKNOWN_START_TIME ? "at an unknown time"
                : Instant.ofEpochMilli(startTimeMillis()) + ", tick " + startTimeTicks) + ")";
    }
}

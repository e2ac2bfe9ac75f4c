package dev.pagestore.ipc.control;

import dev.pagestore.ipc.linux.ProcessStartTime;
import java.time.Instant;

/**
 * A process as the control plane records it: pid and start time. A pid alone is ambiguous once the kernel reuses
 * it; pid plus start time names one process for its whole life, so diagnostics (and later the channel header) can
 * tell "the worker that attached" from "a process that got its pid afterwards".
 *
 * <h2>Read nothing a peer controls</h2>
 * The start time comes from {@code /proc/PID/stat} alone ({@link ProcessStartTime}), never from
 * {@link ProcessHandle.Info}, which reads the process's {@code cmdline}, that is its own memory: a worker can make such
 * a read block forever, and the control thread that names peers serves every other worker too (see
 * {@link ProcessStartTime} for the hazard).
 *
 * @param pid the process id, {@code 1..}{@link ControlMessageDescriptor#PID_MAX}
 * @param startTimeMillis start time in epoch milliseconds as {@link ProcessHandle.Info#startInstant()} would report it
 *        (from {@code /proc/PID/stat}, clock-tick precision), or {@link #UNKNOWN_START_TIME}
 */
public record ProcessIdentity(long pid, long startTimeMillis) {
    /** The start time could not be read. */
    public static final long UNKNOWN_START_TIME = -1;

    public ProcessIdentity {
        String problem = ControlMessageDescriptor.checkPid("pid", pid);
        if (problem == null) {
            problem = ControlMessageDescriptor.checkStartTime("startTimeMillis", startTimeMillis);
        }
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
    }

    /** This process. */
    public static ProcessIdentity current() {
        return of(ProcessHandle.current().pid());
    }

    /**
     * The process {@code pid} as {@code /proc/PID/stat} names it now: its start time, or {@link #UNKNOWN_START_TIME}
     * when it is gone. Reads nothing of the process's memory.
     */
    public static ProcessIdentity of(long pid) {
        return new ProcessIdentity(pid, ProcessStartTime.epochMillis(pid).orElse(UNKNOWN_START_TIME));
    }

    /**
     * The process {@code pid} that connected to a socket at {@code connectedAtMillis} (epoch milliseconds), as the
     * kernel describes it now: its start time from {@code /proc/PID/stat}, or {@link #UNKNOWN_START_TIME} when it is
     * gone, or when the process now holding the pid started after the connection (the pid was reused). Safe on a
     * thread that serves other peers: it reads nothing the process controls.
     */
    public static ProcessIdentity ofPeer(long pid, long connectedAtMillis) {
        long start = ProcessStartTime.epochMillis(pid).orElse(UNKNOWN_START_TIME);
        // Start times have clock-tick precision and come from the boot time; a second of slack absorbs both.
        if (start != UNKNOWN_START_TIME && start > connectedAtMillis + 1_000) {
            start = UNKNOWN_START_TIME;
        }
        return new ProcessIdentity(pid, start);
    }

    @Override
    public String toString() {
        return "pid " + pid + " (started "
                + (startTimeMillis == UNKNOWN_START_TIME ? "at an unknown time" : Instant.ofEpochMilli(startTimeMillis))
                + ")";
    }
}

package dev.pagestore.ipc.control;

import java.time.Instant;

/**
 * A process as the control plane records it: pid and start time. A pid alone is ambiguous once the kernel reuses
 * it; pid plus start time names one process for its whole life, so diagnostics (and later the channel header) can
 * tell "the worker that attached" from "a process that got its pid afterwards".
 *
 * @param pid the process id, {@code 1..}{@link ControlMessageDescriptor#PID_MAX}
 * @param startTimeMillis start time in epoch milliseconds as {@link ProcessHandle.Info#startInstant()} reports it
 *        (on Linux from {@code /proc/PID/stat}, clock-tick precision), or {@link #UNKNOWN_START_TIME}
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
        return of(ProcessHandle.current());
    }

    /**
     * The process {@code pid} that connected to a socket at {@code connectedAtMillis} (epoch milliseconds), as the
     * kernel describes it now: its start time from {@code /proc/PID/stat}, or {@link #UNKNOWN_START_TIME} when it is
     * gone, or when the process now holding the pid started after the connection (the pid was reused).
     */
    public static ProcessIdentity ofPeer(long pid, long connectedAtMillis) {
        long start = ProcessHandle.of(pid).flatMap(p -> p.info().startInstant()).map(Instant::toEpochMilli)
                .orElse(UNKNOWN_START_TIME);
        // Start times have clock-tick precision and come from the boot time; a second of slack absorbs both.
        if (start != UNKNOWN_START_TIME && start > connectedAtMillis + 1_000) {
            start = UNKNOWN_START_TIME;
        }
        return new ProcessIdentity(pid, start);
    }

    /** {@code process} as the OS describes it now. */
    public static ProcessIdentity of(ProcessHandle process) {
        long start = process.info().startInstant().map(Instant::toEpochMilli).orElse(UNKNOWN_START_TIME);
        return new ProcessIdentity(process.pid(), start);
    }

    @Override
    public String toString() {
        return "pid " + pid + " (started "
                + (startTimeMillis == UNKNOWN_START_TIME ? "at an unknown time" : Instant.ofEpochMilli(startTimeMillis))
                + ")";
    }
}

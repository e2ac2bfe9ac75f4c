package dev.pagestore.ipc.channel;

import dev.pagestore.ipc.linux.ProcessStartTime;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A process as Linux names it for diagnostics: its pid and its start time in clock ticks since boot (field 22 of
 * {@code /proc/PID/stat}). A pid alone can be reused after the process dies; the pair cannot, so a channel header that
 * records both says exactly which process created or attached it.
 *
 * @param pid              the process id, positive
 * @param startTimeTicks   start time after boot in {@code sysconf(_SC_CLK_TCK)} ticks; 0 when it could not be read
 */
public record ProcessIdentity(long pid, long startTimeTicks) {
    public ProcessIdentity {
        if (pid <= 0) {
            throw new IllegalArgumentException("pid=" + pid + " must be positive");
        }
        if (startTimeTicks < 0) {
            throw new IllegalArgumentException("startTimeTicks=" + startTimeTicks + " must not be negative");
        }
    }

    /** This process. */
    public static ProcessIdentity current() {
        long pid = ProcessHandle.current().pid();
        return new ProcessIdentity(pid, startTimeTicks(pid).orElse(0L));
    }

    /** The live process with {@code pid}, or empty when there is none (or {@code /proc} cannot say). */
    public static Optional<ProcessIdentity> ofLive(long pid) {
        return startTimeTicks(pid).map(ticks -> new ProcessIdentity(pid, ticks));
    }

    /** Whether this exact process (same pid and start time) is still running. */
    public boolean isAlive() {
        return startTimeTicks(pid).map(ticks -> ticks == startTimeTicks).orElse(false);
    }

    private static Optional<Long> startTimeTicks(long pid) {
        if (pid <= 0) {
            return Optional.empty();
        }
        OptionalLong ticks = ProcessStartTime.ticks(pid);  // /proc/PID/stat only: never the process's own memory
        return ticks.isPresent() ? Optional.of(ticks.getAsLong()) : Optional.empty();
    }

    @Override
    public String toString() {
        return "pid " + pid + " (started at tick " + startTimeTicks + ")";
    }
}

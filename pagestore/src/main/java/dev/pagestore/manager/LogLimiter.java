package dev.pagestore.manager;

/**
 * The reactors' name for {@link dev.pagestore.ipc.control.LogLimiter}, which the control plane shares: one limiter
 * for every event a worker can cause at will. It only delegates; it goes once {@code Reactor} imports the ipc class.
 *
 * <p>Thread safety: one owner thread.
 */
final class LogLimiter {
    private final dev.pagestore.ipc.control.LogLimiter limiter;

    LogLimiter(long intervalNanos) {
        limiter = new dev.pagestore.ipc.control.LogLimiter(intervalNanos);
    }

    boolean allow(long nowNanos) {
        return limiter.allow(nowNanos);
    }

    long suppressedSinceLast() {
        return limiter.suppressedSinceLast();
    }
}

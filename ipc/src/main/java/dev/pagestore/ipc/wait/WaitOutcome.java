package dev.pagestore.ipc.wait;

/** How a {@link WaitStrategy#await} ended. */
public enum WaitOutcome {
    /** The watched sequence no longer holds the value the caller saw: re-read and validate it. */
    CHANGED,
    /** The deadline passed and the sequence still held the value the caller saw. */
    TIMED_OUT
}

package dev.pagestore.ipc.channel;

import java.io.IOException;

/**
 * A file could not be attached as a channel: it is not a channel, is truncated, has another layout version or shape
 * than expected, or is in a state that forbids attaching. The message says what was expected and what was found;
 * {@link #reason()} lets callers and tests tell the cases apart.
 */
public final class ChannelFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    /** Why attach refused. */
    public enum Reason {
        /** No channel magic: some other file. */
        NOT_A_CHANNEL,
        /** Shorter than its header or its layout says. */
        TRUNCATED,
        /** A layout version this code does not read. */
        VERSION_MISMATCH,
        /** Legal, but not the parameters the attacher expected (page size, capacities, slots). */
        PARAMETER_MISMATCH,
        /** Header fields that no creator writes: bad sizes, offsets, entry sizes, or a corrupt ring header. */
        CORRUPT,
        /** Not (yet, or any more) open for attach: still being created, already attached, or closed. */
        WRONG_STATE
    }

    private final Reason reason;

    public ChannelFormatException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public ChannelFormatException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}

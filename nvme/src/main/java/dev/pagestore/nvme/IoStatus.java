package dev.pagestore.nvme;

/**
 * The outcome of one command as its caller sees it, whatever the backend. The backend's own status (an NVMe status
 * field or an errno) travels beside it as a {@link StatusDetail} word, so nothing the device said is lost.
 *
 * <p>{@link #transientByDefault()} is the default retry classification used by {@link RetryPolicy#exponential}; a
 * detail carrying NVMe's do-not-retry bit overrides it.
 */
public enum IoStatus {
    /** The command completed and transferred everything it asked for. */
    OK(false),
    /** The deadline passed before the device answered; the buffer stays fenced until it does. */
    TIMEOUT(false),
    /** The device reported a media, transport or internal error. Often transient. */
    IO_ERROR(true),
    /** The command was malformed for this device (bad opcode, field, alignment). Never retried. */
    INVALID(false),
    /** The command addressed space the device does not have (LBA out of range, ENOSPC, capacity exceeded). */
    NO_SPACE(false),
    /** The device transferred fewer bytes than asked ({@code transferredBytes} says how many). Retried by default. */
    SHORT_TRANSFER(true),
    /** The command was aborted: by a cancellation, a queue deletion, {@link QueuePair#close}, or a power loss. */
    ABORTED(false),
    /** The device was temporarily unable to take the command (namespace not ready, EAGAIN). */
    BUSY(true),
    /** The backend cannot execute this kind of command. */
    UNSUPPORTED(false);

    private final boolean transientByDefault;

    IoStatus(boolean transientByDefault) {
        this.transientByDefault = transientByDefault;
    }

    /** Whether a retry may succeed, absent a do-not-retry bit from the device. */
    public boolean transientByDefault() {
        return transientByDefault;
    }

    /** Whether the command succeeded. */
    public boolean isOk() {
        return this == OK;
    }
}

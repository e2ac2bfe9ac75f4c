package dev.pagestore.client;

import dev.pagestore.ipc.ring.CompletionDescriptor;

/** Why a page store call failed. */
public enum ErrorCode {
    /** The deadline passed before the manager finished the request; a write's outcome is unknown. */
    TIMEOUT,
    /** The device or the WAL failed the request. */
    IO_ERROR,
    /** The manager judged the request malformed (page out of range, bad slot, reused id, broken batch...). */
    INVALID,
    /** The device is full. */
    NO_SPACE,
    /** The manager process died or closed the connection; the request's outcome is unknown. */
    MANAGER_GONE,
    /** The manager is stopping and accepts no new requests. */
    SHUTTING_DOWN,
    /** The manager is a standby and serves reads only; the write was not done (write to the primary). */
    READ_ONLY,
    /** The manager answered something this client cannot accept (a completion for no request, a bad status). */
    PROTOCOL_ERROR,
    /** This client was closed. */
    CLOSED,
    /**
     * An asynchronous call found every request slot of the client taken ({@link PageStoreClient#capacity()}
     * outstanding) and, as asynchronous calls never wait, was not sent.
     */
    BUSY;

    /** The code for a completion status other than OK. */
    static ErrorCode ofStatus(int status) {
        return switch (status) {
            case CompletionDescriptor.STATUS_INVALID -> INVALID;
            case CompletionDescriptor.STATUS_IO_ERROR -> IO_ERROR;
            case CompletionDescriptor.STATUS_TIMEOUT -> TIMEOUT;
            case CompletionDescriptor.STATUS_NO_SPACE -> NO_SPACE;
            case CompletionDescriptor.STATUS_SHUTTING_DOWN -> SHUTTING_DOWN;
            case CompletionDescriptor.STATUS_READ_ONLY -> READ_ONLY;
            default -> PROTOCOL_ERROR;
        };
    }
}

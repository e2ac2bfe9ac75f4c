package dev.pagestore.client;

import dev.pagestore.ipc.ring.RequestDescriptor;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;

/**
 * One entry of a {@link PendingTable}, reused for request after request: a request's description while it is
 * outstanding, and its answer until its caller collects it. The entry's {@link #index} is also the buffer slot of
 * its data requests, so a slot is never looked for separately.
 *
 * <p>Every field is written and read under the table's monitor, except the description fields, which a poster sets
 * before it publishes the request and nobody changes until the entry is free again. A party that keeps a reference
 * to an entry names the request by its id with every call on the table, so an entry reused by a later request is
 * never mistaken for the one it held.
 *
 * <h2>States of an entry</h2>
 * <pre>
 *            register                answer (synchronous)          collected
 *   FREE ─────────────► LIVE ─────────────────────────► ANSWERED ───────────► FREE
 *                        │  │ answer (asynchronous)                 (ABANDONED when the slot is fenced)
 *                        │  └──────────────────► DELIVERING ─ delivered ─► FREE
 *                        │ abandon (caller's deadline), or a fenced TIMEOUT of an asynchronous request
 *                        └──────────────────► ABANDONED ─ the manager's final completion ─► FREE
 *   LIVE ─ fail (manager gone, closed) ─► FAILED (synchronous: its caller collects) or FREE (asynchronous)
 *   A polled request goes as a synchronous one, through DELIVERING while a poller hands it over.
 * </pre>
 *
 * <h2>Attended and unattended requests</h2>
 * A platform thread waiting in a synchronous call reaps completions itself, and so does one waiting in a poll;
 * every other outstanding entry (asynchronous, a virtual thread's, abandoned) needs the client's completion thread.
 * {@link PendingTable#unattended()} counts those, so that the completion thread sleeps while no request needs it.
 */
final class Pending {
    /** Not in use. */
    static final int FREE = 0;
    /** Posted (or being posted) and not yet answered. */
    static final int LIVE = 1;
    /** A synchronous request's answer is recorded; its waiting caller collects it and frees the entry. */
    static final int ANSWERED = 2;
    /** A synchronous request failed without an answer (the manager died, the client closed); its caller collects. */
    static final int FAILED = 3;
    /** Its caller stopped waiting (or was told TIMEOUT); the manager's final completion frees the entry. */
    static final int ABANDONED = 4;
    /** An asynchronous request's answer is being delivered by the thread that read it; that thread frees it. */
    static final int DELIVERING = 5;

    /** Position in the table, and the buffer slot of a data request. */
    final int index;
    long id = -1;
    int state = FREE;
    byte opcode;
    long pageNumber;
    /** Whether the request carries a page in its slot (reads and writes). */
    boolean data;
    /** For writes: the CRC-32C of the slot's contents, which the manager checks its own copy against. */
    int checksum;
    boolean checksummed;
    /** The thread waiting in a synchronous call, or null for an asynchronous or polled request. */
    Thread waiter;
    /**
     * Whether a thread that can reap completions itself waits for this request (a platform thread in a synchronous
     * call). Every other request needs the client's completion thread.
     */
    boolean attended;
    /** Whether {@link PageStoreClient#poll} collects the outcome (no waiter, no future). */
    boolean polled;
    /** For a polled request: the caller's tag, handed back with its outcome. */
    long tag;
    /** For asynchronous requests: completed by the completion thread. */
    CompletableFuture<Object> future;
    /** For asynchronous reads: where the page goes (null: a new byte[] is the result). */
    MemorySegment destination;
    /** The answer ({@link #ANSWERED}): a completion status and result. */
    int status;
    long result;
    /** For {@link #FAILED}: why. */
    ErrorCode failure;
    String failureDetail;
    /**
     * The id of the request whose outcome ({@link #ANSWERED} or {@link #FAILED}) is recorded here, written last
     * under the table's monitor: a waiter polls it without the monitor.
     */
    volatile long settledId = -1;
    /** A write claimed for building in place ({@link PageClaims}): registered, its slot lent out, not yet sent. */
    boolean claimed;
    /** For a claimed write: its deadline, set at the claim. */
    long deadlineNanos;
    /** For a {@link #FAILED} TIMEOUT: the device may still write the slot, so the entry outlives the collect. */
    boolean fenced;

    Pending(int index) {
        this.index = index;
    }

    /** Makes this entry request {@code id}'s, everything of the previous request cleared (under the table's monitor). */
    void reset(long id, byte opcode, long pageNumber, boolean data, MemorySegment destination) {
        this.id = id;
        this.state = LIVE;
        this.opcode = opcode;
        this.pageNumber = pageNumber;
        this.data = data;
        this.destination = destination;
        checksummed = false;
        waiter = null;
        future = null;
        polled = false;
        tag = 0;
        failure = null;
        failureDetail = null;
        fenced = false;
        claimed = false;
        settledId = -1;
    }

    /** The buffer slot, or -1 for a request without data. */
    int slot() {
        return data ? index : -1;
    }

    /** The operation's name for messages. */
    static String opcodeName(byte opcode) {
        return switch (opcode) {
            case RequestDescriptor.OPCODE_READ -> "read";
            case RequestDescriptor.OPCODE_WRITE -> "write";
            case RequestDescriptor.OPCODE_FLUSH -> "flush";
            case RequestDescriptor.OPCODE_BATCH_BEGIN -> "batch begin";
            case RequestDescriptor.OPCODE_BATCH_END -> "batch end";
            default -> "opcode " + opcode;
        };
    }
}

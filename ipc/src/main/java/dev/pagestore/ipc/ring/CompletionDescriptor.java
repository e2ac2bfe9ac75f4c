package dev.pagestore.ipc.ring;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemorySegment;

/**
 * A 32-byte completion entry of the completion ring (manager to worker), shaped like an NVMe completion queue entry:
 * the request's id, a status, a result value, and the buffer slot it used.
 *
 * <pre>
 *  offset  size  field        meaning
 *  ------  ----  -----------  ------------------------------------------------------------------------------
 *       0     8  requestId    the request's id, echoed
 *       8     4  status       {@link #STATUS_OK} .. ; 0 is never a status (zeroed memory is not a completion)
 *      12     4  bufferSlot   the request's first buffer slot, echoed (-1 when it had none)
 *      16     8  result       bytes moved for read/write; the durable LSN for flush and BATCH_END; for
 *                               TIMEOUT, {@link #RESULT_SLOT_FENCED} or {@link #RESULT_SLOT_RELEASED}
 *      24     8  reserved     zero
 * </pre>
 *
 * <h2>Timeouts and fenced slots</h2>
 * A request whose deadline passes before the manager finished it gets a {@link #STATUS_TIMEOUT} completion at once,
 * with {@code result = }{@link #RESULT_SLOT_FENCED}: the device (or the WAL) may still be using the request's buffer
 * slots, so the worker must not reuse them yet. When the work really ends the manager posts a second completion for
 * the same request id, {@link #STATUS_TIMEOUT} with {@code result = }{@link #RESULT_SLOT_RELEASED}; only then are the
 * slots the worker's again. A write that timed out may still have been applied (its outcome is unknown).
 *
 * <p>The worker validates what it reads: a completion whose {@code requestId} matches no outstanding request is a
 * protocol violation by the manager, counted and reported, never silently dropped (SPDK issue 3557's error as a test).
 */
public final class CompletionDescriptor {
    public static final int SIZE_BYTES = 32;

    public static final int STATUS_OK = 1;
    /** The request was malformed ({@link RequestDescriptor#validate}); not retried. */
    public static final int STATUS_INVALID = 2;
    public static final int STATUS_IO_ERROR = 3;
    /** The deadline passed before the device completed. */
    public static final int STATUS_TIMEOUT = 4;
    public static final int STATUS_NO_SPACE = 5;
    /** The manager is stopping and accepts no new requests. */
    public static final int STATUS_SHUTTING_DOWN = 6;
    /** The manager serves reads only (a standby): the write was not done. */
    public static final int STATUS_READ_ONLY = 7;
    public static final int STATUS_MAX = STATUS_READ_ONLY;

    /** TIMEOUT result: the request's slots stay with the manager until a {@link #RESULT_SLOT_RELEASED} completion. */
    public static final long RESULT_SLOT_FENCED = -1;
    /** Second completion of a timed-out request: its slots are the worker's again. */
    public static final long RESULT_SLOT_RELEASED = -2;

    public static final long REQUEST_ID_OFFSET;
    public static final long STATUS_OFFSET;
    public static final long BUFFER_SLOT_OFFSET;
    public static final long RESULT_OFFSET;
    public static final long RESERVED_OFFSET;

    static {
        long offset = 0;
        REQUEST_ID_OFFSET = offset;
        offset += Long.BYTES;
        STATUS_OFFSET = offset;
        offset += Integer.BYTES;
        BUFFER_SLOT_OFFSET = offset;
        offset += Integer.BYTES;
        RESULT_OFFSET = offset;
        offset += Long.BYTES;
        RESERVED_OFFSET = offset;
        offset += Long.BYTES;

        assert offset == SIZE_BYTES : "completion descriptor must be 32 bytes, built " + offset;
        assert REQUEST_ID_OFFSET % 8 == 0 && RESULT_OFFSET % 8 == 0 : "longs must be naturally aligned";
        assert Integer.bitCount(SIZE_BYTES) == 1 : "a power-of-two size keeps entries from straddling cache lines";
        assert RESULT_SLOT_FENCED < 0 && RESULT_SLOT_RELEASED < 0 && RESULT_SLOT_FENCED != RESULT_SLOT_RELEASED
                : "a timeout's results must differ from each other and from any byte count or LSN";
    }

    private CompletionDescriptor() {
    }

    /** Writes a whole completion at {@code offset}, reserved field zeroed. */
    public static void write(MemorySegment entries, long offset, long requestId, int status, int bufferSlot,
            long result) {
        entries.set(JAVA_LONG, offset + REQUEST_ID_OFFSET, requestId);
        entries.set(JAVA_INT, offset + STATUS_OFFSET, status);
        entries.set(JAVA_INT, offset + BUFFER_SLOT_OFFSET, bufferSlot);
        entries.set(JAVA_LONG, offset + RESULT_OFFSET, result);
        entries.set(JAVA_LONG, offset + RESERVED_OFFSET, 0L);
    }

    public static long requestId(MemorySegment entries, long offset) {
        return entries.get(JAVA_LONG, offset + REQUEST_ID_OFFSET);
    }

    public static int status(MemorySegment entries, long offset) {
        return entries.get(JAVA_INT, offset + STATUS_OFFSET);
    }

    public static int bufferSlot(MemorySegment entries, long offset) {
        return entries.get(JAVA_INT, offset + BUFFER_SLOT_OFFSET);
    }

    public static long result(MemorySegment entries, long offset) {
        return entries.get(JAVA_LONG, offset + RESULT_OFFSET);
    }


    /** Whether {@code status} is one this layout version defines. */
    public static boolean isKnownStatus(int status) {
        return status >= STATUS_OK && status <= STATUS_MAX;
    }

    /**
     * Worker-side check of a completion: a known status, a slot that is -1 or in [0, slotCount), and zero reserved
     * bytes. The request id is checked by the caller against its outstanding requests.
     */
    public static boolean isWellFormed(MemorySegment entries, long offset, int slotCount) {
        int slot = bufferSlot(entries, offset);
        return isKnownStatus(status(entries, offset))
                && slot >= -1 && slot < slotCount
                && entries.get(JAVA_LONG, offset + RESERVED_OFFSET) == 0;
    }
}

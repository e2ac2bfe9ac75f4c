package dev.pagestore.ipc.ring;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemorySegment;

/**
 * A 64-byte request entry of the request ring (worker to manager), shaped like an NVMe submission queue entry: an
 * opcode, flags, an id echoed in the completion, and offsets (page number, buffer slot), never pointers.
 *
 * <pre>
 *  offset  size  field            meaning
 *  ------  ----  ---------------  ---------------------------------------------------------------------------
 *       0     1  opcode           {@link #OPCODE_READ} .. {@link #OPCODE_BATCH_END}; 0 is never valid
 *       1     1  flags            {@link #FLAG_IN_BATCH} | {@link #FLAG_CHECKSUM}
 *       2     2  reserved         zero
 *       4     4  pageCount        pages to read or write (1 ..); 0 for flush and batch markers
 *       8     8  requestId        chosen by the worker, unique among its outstanding requests; echoed back
 *      16     8  pageNumber       first page; page p is at byte p * pageSize of the store
 *      24     4  bufferSlot       first buffer slot of the channel's slab; pages use slots [slot, slot + count)
 *      28     4  reserved         zero
 *      32     8  deadlineNanos    CLOCK_MONOTONIC nanoseconds (System.nanoTime on Linux HotSpot); 0 = none
 *      40     8  batchId          groups requests between BATCH_BEGIN and BATCH_END; 0 = not in a batch
 *      48     4  checksum         CRC-32C of the pages in the slots when FLAG_CHECKSUM is set (writes only;
 *                                 the manager checks it against its private copy and answers INVALID on a
 *                                 mismatch), else 0
 *      52     4  reserved         zero
 *      56     8  reserved         zero
 * </pre>
 *
 * <h2>Batches</h2>
 * An atomic batch is {@code BATCH_BEGIN(batchId)}, then writes with {@link #FLAG_IN_BATCH} and the same batch id, then
 * {@code BATCH_END(batchId)}, published in one go. The manager logs all the batch's pages as one WAL group (all or
 * nothing after a crash), writes them, then completes every write and the END. Any malformed member makes the whole
 * batch {@code INVALID}.
 *
 * <p>The worker writes every field of a claimed entry in place before publishing it. The manager validates every
 * field it reads ({@link #validate}) and answers a malformed request with an {@code INVALID} completion; nothing a
 * worker writes can make the manager touch memory outside that worker's channel (DESIGN.md §3).
 */
public final class RequestDescriptor {
    public static final int SIZE_BYTES = 64;

    public static final byte OPCODE_READ = 1;
    public static final byte OPCODE_WRITE = 2;
    /** Make every acknowledged write durable (fdatasync); no pages, no buffer. */
    public static final byte OPCODE_FLUSH = 3;
    /** Opens an atomic group of writes sharing {@code batchId}; applied all or nothing. */
    public static final byte OPCODE_BATCH_BEGIN = 4;
    /** Closes the group opened by the BATCH_BEGIN with the same {@code batchId}. */
    public static final byte OPCODE_BATCH_END = 5;
    private static final byte OPCODE_MAX = OPCODE_BATCH_END;

    /** Part of the batch named by {@code batchId}. */
    public static final byte FLAG_IN_BATCH = 2;
    /** {@code checksum} holds the CRC-32C of the request's payload. */
    public static final byte FLAG_CHECKSUM = 4;
    private static final int FLAGS_KNOWN = FLAG_IN_BATCH | FLAG_CHECKSUM;

    public static final long OPCODE_OFFSET;
    public static final long FLAGS_OFFSET;
    public static final long RESERVED_16_OFFSET;
    public static final long PAGE_COUNT_OFFSET;
    public static final long REQUEST_ID_OFFSET;
    public static final long PAGE_NUMBER_OFFSET;
    public static final long BUFFER_SLOT_OFFSET;
    public static final long RESERVED_28_OFFSET;
    public static final long DEADLINE_NANOS_OFFSET;
    public static final long BATCH_ID_OFFSET;
    public static final long CHECKSUM_OFFSET;
    public static final long RESERVED_32_OFFSET;
    public static final long RESERVED_64_OFFSET;

    static {
        long offset = 0;
        OPCODE_OFFSET = offset;
        offset += Byte.BYTES;
        FLAGS_OFFSET = offset;
        offset += Byte.BYTES;
        RESERVED_16_OFFSET = offset;
        offset += Short.BYTES;
        PAGE_COUNT_OFFSET = offset;
        offset += Integer.BYTES;
        REQUEST_ID_OFFSET = offset;
        offset += Long.BYTES;
        PAGE_NUMBER_OFFSET = offset;
        offset += Long.BYTES;
        BUFFER_SLOT_OFFSET = offset;
        offset += Integer.BYTES;
        RESERVED_28_OFFSET = offset;
        offset += Integer.BYTES;
        DEADLINE_NANOS_OFFSET = offset;
        offset += Long.BYTES;
        BATCH_ID_OFFSET = offset;
        offset += Long.BYTES;
        CHECKSUM_OFFSET = offset;
        offset += Integer.BYTES;
        RESERVED_32_OFFSET = offset;
        offset += Integer.BYTES;
        RESERVED_64_OFFSET = offset;
        offset += Long.BYTES;

        assert offset == SIZE_BYTES : "request descriptor must be 64 bytes like an NVMe SQE, built " + offset;
        assert REQUEST_ID_OFFSET % 8 == 0 && PAGE_NUMBER_OFFSET % 8 == 0 && DEADLINE_NANOS_OFFSET % 8 == 0
                && BATCH_ID_OFFSET % 8 == 0 : "longs must be naturally aligned";
        assert PAGE_COUNT_OFFSET % 4 == 0 && BUFFER_SLOT_OFFSET % 4 == 0 && CHECKSUM_OFFSET % 4 == 0;
    }

    private RequestDescriptor() {
    }

    /**
     * Writes a whole request at {@code offset} (every field, reserved ones zeroed): a claimed entry is reused memory,
     * so a partial write would leak an older request's fields.
     */
    public static void write(MemorySegment entries, long offset, byte opcode, byte flags, long requestId,
            long pageNumber, int pageCount, int bufferSlot, long deadlineNanos, long batchId, int checksum) {
        entries.set(JAVA_BYTE, offset + OPCODE_OFFSET, opcode);
        entries.set(JAVA_BYTE, offset + FLAGS_OFFSET, flags);
        entries.set(JAVA_SHORT, offset + RESERVED_16_OFFSET, (short) 0);
        entries.set(JAVA_INT, offset + PAGE_COUNT_OFFSET, pageCount);
        entries.set(JAVA_LONG, offset + REQUEST_ID_OFFSET, requestId);
        entries.set(JAVA_LONG, offset + PAGE_NUMBER_OFFSET, pageNumber);
        entries.set(JAVA_INT, offset + BUFFER_SLOT_OFFSET, bufferSlot);
        entries.set(JAVA_INT, offset + RESERVED_28_OFFSET, 0);
        entries.set(JAVA_LONG, offset + DEADLINE_NANOS_OFFSET, deadlineNanos);
        entries.set(JAVA_LONG, offset + BATCH_ID_OFFSET, batchId);
        entries.set(JAVA_INT, offset + CHECKSUM_OFFSET, checksum);
        entries.set(JAVA_INT, offset + RESERVED_32_OFFSET, 0);
        entries.set(JAVA_LONG, offset + RESERVED_64_OFFSET, 0L);
    }

    public static byte opcode(MemorySegment entries, long offset) {
        return entries.get(JAVA_BYTE, offset + OPCODE_OFFSET);
    }

    public static byte flags(MemorySegment entries, long offset) {
        return entries.get(JAVA_BYTE, offset + FLAGS_OFFSET);
    }

    public static int pageCount(MemorySegment entries, long offset) {
        return entries.get(JAVA_INT, offset + PAGE_COUNT_OFFSET);
    }

    public static long requestId(MemorySegment entries, long offset) {
        return entries.get(JAVA_LONG, offset + REQUEST_ID_OFFSET);
    }

    public static long pageNumber(MemorySegment entries, long offset) {
        return entries.get(JAVA_LONG, offset + PAGE_NUMBER_OFFSET);
    }

    public static int bufferSlot(MemorySegment entries, long offset) {
        return entries.get(JAVA_INT, offset + BUFFER_SLOT_OFFSET);
    }


    public static long deadlineNanos(MemorySegment entries, long offset) {
        return entries.get(JAVA_LONG, offset + DEADLINE_NANOS_OFFSET);
    }

    public static long batchId(MemorySegment entries, long offset) {
        return entries.get(JAVA_LONG, offset + BATCH_ID_OFFSET);
    }

    public static int checksum(MemorySegment entries, long offset) {
        return entries.get(JAVA_INT, offset + CHECKSUM_OFFSET);
    }

    /** Why a request is malformed; {@link #VALID} when it is not. */
    public enum Violation {
        VALID,
        UNKNOWN_OPCODE,
        UNKNOWN_FLAGS,
        RESERVED_NOT_ZERO,
        PAGE_COUNT_OUT_OF_RANGE,
        PAGE_NUMBER_OUT_OF_RANGE,
        SLOT_OUT_OF_RANGE,
        BATCH_ID_MISSING
    }

    /**
     * Checks every field of the request at {@code offset} against the channel's limits. Reads each field once and
     * allocates nothing; the manager answers anything but {@link Violation#VALID} with an {@code INVALID} status.
     *
     * @param slotCount     buffer slots in the channel: data pages must use slots in [0, slotCount)
     * @param pageCountMax  the most pages one request may move (at most {@code slotCount})
     * @param pageLimit     pages in the store: data pages must lie in [0, pageLimit)
     */
    public static Violation validate(MemorySegment entries, long offset, int slotCount, int pageCountMax,
            long pageLimit) {
        byte opcode = opcode(entries, offset);
        byte flags = flags(entries, offset);
        if (opcode < OPCODE_READ || opcode > OPCODE_MAX) {
            return Violation.UNKNOWN_OPCODE;
        }
        if ((flags & ~FLAGS_KNOWN) != 0 || ((flags & FLAG_CHECKSUM) != 0 && opcode != OPCODE_WRITE)) {
            return Violation.UNKNOWN_FLAGS;  // a checksum covers write data only
        }
        if (entries.get(JAVA_SHORT, offset + RESERVED_16_OFFSET) != 0
                || entries.get(JAVA_INT, offset + RESERVED_28_OFFSET) != 0
                || entries.get(JAVA_INT, offset + RESERVED_32_OFFSET) != 0
                || entries.get(JAVA_LONG, offset + RESERVED_64_OFFSET) != 0) {
            return Violation.RESERVED_NOT_ZERO;
        }
        long batchId = batchId(entries, offset);
        if ((opcode == OPCODE_BATCH_BEGIN || opcode == OPCODE_BATCH_END || (flags & FLAG_IN_BATCH) != 0)
                && batchId == 0) {
            return Violation.BATCH_ID_MISSING;
        }
        int pageCount = pageCount(entries, offset);
        if (opcode != OPCODE_READ && opcode != OPCODE_WRITE) {
            return pageCount == 0 ? Violation.VALID : Violation.PAGE_COUNT_OUT_OF_RANGE;
        }
        if (pageCount < 1 || pageCount > pageCountMax) {
            return Violation.PAGE_COUNT_OUT_OF_RANGE;
        }
        long pageNumber = pageNumber(entries, offset);
        if (pageNumber < 0 || pageNumber > pageLimit - pageCount) {
            return Violation.PAGE_NUMBER_OUT_OF_RANGE;
        }
        int slot = bufferSlot(entries, offset);
        if (slot < 0 || slot > slotCount - pageCount) {
            return Violation.SLOT_OUT_OF_RANGE;
        }
        return Violation.VALID;
    }
}

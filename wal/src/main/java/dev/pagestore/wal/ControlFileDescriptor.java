package dev.pagestore.wal;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.UUID;
import java.util.zip.CRC32C;

/**
 * Layout of the control file {@value #FILE_NAME}: two slots of {@link #SLOT_STRIDE_BYTES}, written alternately. A
 * checkpoint writes the slot not holding the current state, with the next sequence number, and fdatasyncs it; the
 * reader takes the valid slot with the highest sequence. A crash at any byte of a slot write leaves that slot invalid
 * (CRC) and the other slot, the previous checkpoint, wins.
 *
 * <pre>
 *   slot k at k * 512, version 2:
 *   0                               8               12              16
 *   +-------------------------------+---------------+---------------+
 *   | magic "PSWALCTL"              | version = 2   | slotIndex     |
 *   +-------------------------------+---------------+---------------+
 *  16                               24                              32
 *   | sequence                      | redoLsn                       |
 *   +-------------------------------+-------------------------------+
 *  32                               40                              48
 *   | segmentSizeBytes              | logId, most significant 64 b  |
 *   +-------------------------------+---------------+---------------+
 *  48                               56              60              64
 *   | logId, least significant 64 b | crc32c        | zero          |
 *   +-------------------------------+---------------+---------------+
 * </pre>
 *
 * <p>{@code logId} names the log's owner (the page store records its store id there), so that a log copied from
 * another owner is refused before recovery reads it; all zeros means none. Version 1 slots, written before the id
 * existed, have no {@code logId}: {@code crc32c} at 40 covers bytes [0, 40), and they are still read, as carrying no
 * id. Every write is version 2.
 */
public final class ControlFileDescriptor {
    public static final String FILE_NAME = "wal.control";
    public static final long MAGIC = 0x4c54_434c_4157_5350L; // "PSWALCTL" little-endian
    public static final int VERSION = 2;
    /** The version before {@code logId}: its CRC sits where {@link #LOG_ID_HIGH_OFFSET} is now. */
    public static final int VERSION_1 = 1;
    public static final int SLOT_COUNT = 2;
    public static final int SLOT_STRIDE_BYTES = 512;

    public static final int MAGIC_OFFSET;
    public static final int VERSION_OFFSET;
    public static final int SLOT_INDEX_OFFSET;
    public static final int SEQUENCE_OFFSET;
    public static final int REDO_LSN_OFFSET;
    public static final int SEGMENT_SIZE_OFFSET;
    public static final int LOG_ID_HIGH_OFFSET;
    public static final int LOG_ID_LOW_OFFSET;
    public static final int CRC_OFFSET;
    public static final int SLOT_LENGTH;
    /** Where a version 1 slot keeps its CRC-32C (over the bytes before it). */
    public static final int VERSION_1_CRC_OFFSET;
    public static final int VERSION_1_SLOT_LENGTH = 48;
    public static final int FILE_LENGTH = SLOT_COUNT * SLOT_STRIDE_BYTES;

    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    static {
        int offset = 0;
        MAGIC_OFFSET = offset;
        offset += Long.BYTES;
        VERSION_OFFSET = offset;
        offset += Integer.BYTES;
        SLOT_INDEX_OFFSET = offset;
        offset += Integer.BYTES;
        SEQUENCE_OFFSET = offset;
        offset += Long.BYTES;
        REDO_LSN_OFFSET = offset;
        offset += Long.BYTES;
        SEGMENT_SIZE_OFFSET = offset;
        offset += Long.BYTES;
        VERSION_1_CRC_OFFSET = offset;
        LOG_ID_HIGH_OFFSET = offset;
        offset += Long.BYTES;
        LOG_ID_LOW_OFFSET = offset;
        offset += Long.BYTES;
        CRC_OFFSET = offset;
        offset += Integer.BYTES;
        offset += Integer.BYTES; // zero padding
        SLOT_LENGTH = offset;

        if (SLOT_LENGTH != 64 || SLOT_LENGTH > SLOT_STRIDE_BYTES || VERSION_1_CRC_OFFSET != 40
                || VERSION_1_CRC_OFFSET + 2 * Integer.BYTES != VERSION_1_SLOT_LENGTH) {
            throw new ExceptionInInitializerError("ControlFileDescriptor layout broken: slot " + SLOT_LENGTH);
        }
    }

    /**
     * The state one slot holds.
     *
     * @param logId the owner's id, or null for none (a version 1 slot, or a log opened without one)
     */
    public record State(long sequence, long redoLsn, long segmentSizeBytes, UUID logId) {
        /** A state with no {@code logId}. */
        public State(long sequence, long redoLsn, long segmentSizeBytes) {
            this(sequence, redoLsn, segmentSizeBytes, null);
        }
    }

    private ControlFileDescriptor() {
    }

    /** Fills {@code slot} ({@link #SLOT_STRIDE_BYTES} long) with a sealed version 2 slot image. */
    public static void write(MemorySegment slot, int slotIndex, State state) {
        slot.fill((byte) 0);
        slot.set(LONG, MAGIC_OFFSET, MAGIC);
        slot.set(INT, VERSION_OFFSET, VERSION);
        slot.set(INT, SLOT_INDEX_OFFSET, slotIndex);
        slot.set(LONG, SEQUENCE_OFFSET, state.sequence());
        slot.set(LONG, REDO_LSN_OFFSET, state.redoLsn());
        slot.set(LONG, SEGMENT_SIZE_OFFSET, state.segmentSizeBytes());
        if (state.logId() != null) {
            slot.set(LONG, LOG_ID_HIGH_OFFSET, state.logId().getMostSignificantBits());
            slot.set(LONG, LOG_ID_LOW_OFFSET, state.logId().getLeastSignificantBits());
        }
        slot.set(INT, CRC_OFFSET, crc(slot, CRC_OFFSET));
        assert state.equals(read(slot, slotIndex)) : "control slot fails its own check";
    }

    /** The state in {@code slot}, or null when the slot is torn, empty or belongs to another slot index. */
    public static State read(MemorySegment slot, int slotIndex) {
        if (slot.byteSize() < SLOT_LENGTH || slot.get(LONG, MAGIC_OFFSET) != MAGIC
                || slot.get(INT, SLOT_INDEX_OFFSET) != slotIndex) {
            return null;
        }
        int version = slot.get(INT, VERSION_OFFSET);
        UUID logId = null;
        if (version == VERSION) {
            if (slot.get(INT, CRC_OFFSET) != crc(slot, CRC_OFFSET)) {
                return null;
            }
            long high = slot.get(LONG, LOG_ID_HIGH_OFFSET);
            long low = slot.get(LONG, LOG_ID_LOW_OFFSET);
            logId = high == 0 && low == 0 ? null : new UUID(high, low);
        } else if (version != VERSION_1 || slot.get(INT, VERSION_1_CRC_OFFSET) != crc(slot, VERSION_1_CRC_OFFSET)) {
            return null;
        }
        return new State(slot.get(LONG, SEQUENCE_OFFSET), slot.get(LONG, REDO_LSN_OFFSET),
                slot.get(LONG, SEGMENT_SIZE_OFFSET), logId);
    }

    private static int crc(MemorySegment slot, int crcOffset) {
        CRC32C crc = new CRC32C();
        crc.update(slot.asSlice(0, crcOffset).asByteBuffer());
        return (int) crc.getValue();
    }
}

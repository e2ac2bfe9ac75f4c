package dev.pagestore.wal;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * Layout of the control file {@value #FILE_NAME}: two slots of {@link #SLOT_STRIDE_BYTES}, written alternately. A
 * checkpoint writes the slot not holding the current state, with the next sequence number, and fdatasyncs it; the
 * reader takes the valid slot with the highest sequence. A crash at any byte of a slot write leaves that slot invalid
 * (CRC) and the other slot, the previous checkpoint, wins.
 *
 * <pre>
 *   slot k at k * 512:
 *   0                               8               12              16
 *   +-------------------------------+---------------+---------------+
 *   | magic "PSWALCTL"              | version       | slotIndex     |
 *   +-------------------------------+---------------+---------------+
 *  16                               24                              32
 *   | sequence                      | redoLsn                       |
 *   +-------------------------------+---------------+---------------+
 *  32                               40              44              48
 *   | segmentSizeBytes              | crc32c        | zero          |
 *   +-------------------------------+---------------+---------------+
 * </pre>
 */
public final class ControlFileDescriptor {
    public static final String FILE_NAME = "wal.control";
    public static final long MAGIC = 0x4c54_434c_4157_5350L; // "PSWALCTL" little-endian
    public static final int VERSION = 1;
    public static final int SLOT_COUNT = 2;
    public static final int SLOT_STRIDE_BYTES = 512;

    public static final int MAGIC_OFFSET;
    public static final int VERSION_OFFSET;
    public static final int SLOT_INDEX_OFFSET;
    public static final int SEQUENCE_OFFSET;
    public static final int REDO_LSN_OFFSET;
    public static final int SEGMENT_SIZE_OFFSET;
    public static final int CRC_OFFSET;
    public static final int SLOT_LENGTH;
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
        CRC_OFFSET = offset;
        offset += Integer.BYTES;
        offset += Integer.BYTES; // zero padding
        SLOT_LENGTH = offset;

        if (SLOT_LENGTH != 48 || SLOT_LENGTH > SLOT_STRIDE_BYTES) {
            throw new ExceptionInInitializerError("ControlFileDescriptor layout broken: slot " + SLOT_LENGTH);
        }
    }

    /** The state one slot holds. */
    public record State(long sequence, long redoLsn, long segmentSizeBytes) {
    }

    private ControlFileDescriptor() {
    }

    /** Fills {@code slot} ({@link #SLOT_STRIDE_BYTES} long) with a sealed slot image. */
    public static void write(MemorySegment slot, int slotIndex, State state) {
        slot.fill((byte) 0);
        slot.set(LONG, MAGIC_OFFSET, MAGIC);
        slot.set(INT, VERSION_OFFSET, VERSION);
        slot.set(INT, SLOT_INDEX_OFFSET, slotIndex);
        slot.set(LONG, SEQUENCE_OFFSET, state.sequence());
        slot.set(LONG, REDO_LSN_OFFSET, state.redoLsn());
        slot.set(LONG, SEGMENT_SIZE_OFFSET, state.segmentSizeBytes());
        slot.set(INT, CRC_OFFSET, crc(slot));
        assert read(slot, slotIndex) != null : "control slot fails its own check";
    }

    /** The state in {@code slot}, or null when the slot is torn, empty or belongs to another slot index. */
    public static State read(MemorySegment slot, int slotIndex) {
        if (slot.byteSize() < SLOT_LENGTH || slot.get(LONG, MAGIC_OFFSET) != MAGIC
                || slot.get(INT, CRC_OFFSET) != crc(slot) || slot.get(INT, VERSION_OFFSET) != VERSION
                || slot.get(INT, SLOT_INDEX_OFFSET) != slotIndex) {
            return null;
        }
        return new State(slot.get(LONG, SEQUENCE_OFFSET), slot.get(LONG, REDO_LSN_OFFSET),
                slot.get(LONG, SEGMENT_SIZE_OFFSET));
    }

    private static int crc(MemorySegment slot) {
        CRC32C crc = new CRC32C();
        crc.update(slot.asSlice(0, CRC_OFFSET).asByteBuffer());
        return (int) crc.getValue();
    }
}

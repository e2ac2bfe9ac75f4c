package dev.pagestore.replication;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * One ledger entry of a replicated log: the records of one commit (or of part of one, when it is large), as the WAL
 * sealed them, behind a header.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                       magic 'PSRE'                            |  0
 *  +-------------------------------+-------------------------------+
 *  |           version             |            flags (0)          |  4
 *  +-------------------------------+-------------------------------+
 *  |                         record count                          |  8
 *  +---------------------------------------------------------------+
 *  |                   payload length in bytes                     | 12
 *  +---------------------------------------------------------------+
 *  |                  first record's LSN (8 bytes)                 | 16
 *  +---------------------------------------------------------------+
 *  |                  last record's LSN (8 bytes)                  | 24
 *  +---------------------------------------------------------------+
 *  |  records, each whole (WalRecordDescriptor), back to back      | 32
 *  +---------------------------------------------------------------+
 * </pre>
 * Little-endian, as the WAL's own formats. An LSN is the primary's own position in its local log: it grows within a
 * primary's run, and a restart gives its records after the redo point again (lower LSNs than the run before), so a
 * reader applies entries in ledger order and never orders them by LSN. Each record carries its own CRC; BookKeeper
 * adds a CRC32C digest per entry.
 */
public final class ReplicationEntryDescriptor {
    public static final int MAGIC = 0x45525350;  // "PSRE" read as little-endian bytes
    public static final short VERSION = 1;
    public static final int MAGIC_OFFSET = 0;
    public static final int VERSION_OFFSET = MAGIC_OFFSET + 4;
    public static final int FLAGS_OFFSET = VERSION_OFFSET + 2;
    public static final int RECORD_COUNT_OFFSET = FLAGS_OFFSET + 2;
    public static final int PAYLOAD_LENGTH_OFFSET = RECORD_COUNT_OFFSET + 4;
    public static final int FIRST_LSN_OFFSET = PAYLOAD_LENGTH_OFFSET + 4;
    public static final int LAST_LSN_OFFSET = FIRST_LSN_OFFSET + 8;
    public static final int HEADER_LENGTH = LAST_LSN_OFFSET + 8;

    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    static {
        assert HEADER_LENGTH == 32 : "the header is 32 bytes: " + HEADER_LENGTH;
    }

    private ReplicationEntryDescriptor() {
    }

    public static void writeHeader(MemorySegment entry, int recordCount, int payloadLength, long firstLsn,
            long lastLsn) {
        entry.set(INT, MAGIC_OFFSET, MAGIC);
        entry.set(SHORT, VERSION_OFFSET, VERSION);
        entry.set(SHORT, FLAGS_OFFSET, (short) 0);
        entry.set(INT, RECORD_COUNT_OFFSET, recordCount);
        entry.set(INT, PAYLOAD_LENGTH_OFFSET, payloadLength);
        entry.set(LONG, FIRST_LSN_OFFSET, firstLsn);
        entry.set(LONG, LAST_LSN_OFFSET, lastLsn);
    }

    public static int recordCount(MemorySegment entry) {
        return entry.get(INT, RECORD_COUNT_OFFSET);
    }

    public static int payloadLength(MemorySegment entry) {
        return entry.get(INT, PAYLOAD_LENGTH_OFFSET);
    }

    public static long firstLsn(MemorySegment entry) {
        return entry.get(LONG, FIRST_LSN_OFFSET);
    }

    public static long lastLsn(MemorySegment entry) {
        return entry.get(LONG, LAST_LSN_OFFSET);
    }

    /**
     * Why {@code entry} (all the bytes of one ledger entry) is not an entry of this format, or null when its header
     * is: magic, version, flags, a payload that fills the rest exactly, a positive count no larger than the payload
     * could hold. The records themselves are checked by their reader, one by one.
     */
    public static String check(MemorySegment entry) {
        if (entry.byteSize() < HEADER_LENGTH) {
            return "an entry of " + entry.byteSize() + " bytes is shorter than the " + HEADER_LENGTH + "-byte header";
        }
        if (entry.get(INT, MAGIC_OFFSET) != MAGIC) {
            return "no entry magic (0x" + Integer.toHexString(entry.get(INT, MAGIC_OFFSET)) + ")";
        }
        if (entry.get(SHORT, VERSION_OFFSET) != VERSION) {
            return "entry version " + entry.get(SHORT, VERSION_OFFSET) + ", this build reads " + VERSION;
        }
        if (entry.get(SHORT, FLAGS_OFFSET) != 0) {
            return "unknown entry flags 0x" + Integer.toHexString(entry.get(SHORT, FLAGS_OFFSET));
        }
        long payload = payloadLength(entry);
        if (payload != entry.byteSize() - HEADER_LENGTH) {
            return "the header says " + payload + " payload bytes, the entry has " + (entry.byteSize() - HEADER_LENGTH);
        }
        int count = recordCount(entry);
        if (count < 1 || count > payload / 8) {
            return "a record count of " + count + " for " + payload + " payload bytes";
        }
        return null;
    }
}

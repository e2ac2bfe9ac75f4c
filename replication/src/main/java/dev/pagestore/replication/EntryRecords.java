package dev.pagestore.replication;

import dev.pagestore.wal.WalRecordDescriptor;
import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * The records of one ledger entry, each checked before it is handed on: the entry's header
 * ({@link ReplicationEntryDescriptor#check}), then each record's shape, type (page images only) and CRC, and the
 * count the header promised. An entry that fails any check is refused whole, with what was wrong: it came from a
 * bookie, which is trusted no more than a disk.
 */
public final class EntryRecords {
    /** Receives one checked record: valid only during the call; read it with {@link WalRecordDescriptor} at 0. */
    @FunctionalInterface
    public interface Sink {
        void onRecord(MemorySegment record) throws IOException;
    }

    private EntryRecords() {
    }

    /**
     * Checks every record of {@code entry} first, then hands each to {@code sink} in order, so a damaged entry gives
     * the sink nothing.
     *
     * @return the number of records
     * @throws IOException naming {@code where} and the fault, when the entry is damaged
     */
    public static int forEach(MemorySegment entry, String where, Sink sink) throws IOException {
        String problem = ReplicationEntryDescriptor.check(entry);
        if (problem != null) {
            throw new IOException(where + ": " + problem);
        }
        int count = ReplicationEntryDescriptor.recordCount(entry);
        long end = entry.byteSize();
        long at = ReplicationEntryDescriptor.HEADER_LENGTH;
        for (int i = 0; i < count; i++) {
            String shape = at >= end ? "the entry ends after " + i + " of " + count + " records"
                    : WalRecordDescriptor.checkShape(entry, at, end - at);
            if (shape == null && WalRecordDescriptor.type(entry, at) != WalRecordDescriptor.TYPE_PAGE_IMAGES) {
                shape = "a record of type " + WalRecordDescriptor.type(entry, at) + ", not page images";
            }
            if (shape == null && !WalRecordDescriptor.crcMatches(entry, at)) {
                shape = "a CRC mismatch";
            }
            if (shape != null) {
                throw new IOException(where + ": record " + i + " at byte " + at + ": " + shape);
            }
            at += WalRecordDescriptor.totalLength(entry, at);
        }
        if (at != end) {
            throw new IOException(where + ": " + (end - at) + " bytes after its " + count + " records");
        }
        at = ReplicationEntryDescriptor.HEADER_LENGTH;
        for (int i = 0; i < count; i++) {
            int length = WalRecordDescriptor.totalLength(entry, at);
            sink.onRecord(entry.asSlice(at, length));
            at += length;
        }
        return count;
    }
}

package dev.pagestore.manager;

import dev.pagestore.ipc.control.LogLimiter;
import dev.pagestore.ipc.ring.RequestDescriptor;
import java.lang.foreign.MemorySegment;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes the manager's one private copy of a write's pages out of the worker's slots, and checks it against the
 * request's CRC-32C when it carries one ({@link RequestDescriptor#FLAG_CHECKSUM}). Everything after this reads the copy:
 * what the worker writes into its slot from then on changes nothing the manager logs or writes.
 *
 * <p>Thread safety: one owner thread (the reactor).
 */
final class WriteStaging implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WriteStaging.class);

    private final StagingBuffers buffers;
    private final int pageSizeBytes;
    private final CRC32C crc = new CRC32C();
    private final LogLimiter mismatchLog = new LogLimiter(1_000_000_000L);

    WriteStaging(int pageSizeBytes, int pageCountMax) {
        this.buffers = new StagingBuffers(pageSizeBytes, pageCountMax);
        this.pageSizeBytes = pageSizeBytes;
    }

    /**
     * Copies slots [slot, slot + count) of {@code session}'s channel, checking the CRC-32C of {@code request} (at
     * {@code offset}) when it carries one.
     *
     * @return the copy, or null when the checksum does not match (the request is INVALID; nothing is kept)
     */
    StagingBuffers.Buffer copy(ChannelSession session, MemorySegment request, long offset, int slot, int count,
            byte flags) {
        StagingBuffers.Buffer copy = buffers.take(count);
        long bytes = (long) count * pageSizeBytes;
        boolean ok = false;
        try {
            MemorySegment.copy(session.channel.slab(), (long) slot * pageSizeBytes, copy.segment, 0, bytes);
            if ((flags & RequestDescriptor.FLAG_CHECKSUM) != 0) {
                crc.reset();
                crc.update(copy.view(bytes));
                int expected = RequestDescriptor.checksum(request, offset);
                if ((int) crc.getValue() != expected) {
                    if (mismatchLog.allow(System.nanoTime())) {
                        LOG.warn("{}: write of page {} carries CRC-32C {} but its data has {}; answered INVALID ({}"
                                + " similar events not logged)", session, RequestDescriptor.pageNumber(request, offset),
                                Integer.toHexString(expected), Long.toHexString(crc.getValue()),
                                mismatchLog.suppressedSinceLast());
                    }
                    return null;
                }
            }
            ok = true;
            return copy;
        } finally {
            if (!ok) {
                buffers.give(copy);
            }
        }
    }

    /** Gives back a copy once its write has ended (logged and written, or refused). */
    void release(StagingBuffers.Buffer copy) {
        buffers.give(copy);
    }

    /** Frees every copy; only once no write in progress uses one. */
    @Override
    public void close() {
        buffers.close();
    }
}

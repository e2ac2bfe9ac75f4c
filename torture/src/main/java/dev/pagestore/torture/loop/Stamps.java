package dev.pagestore.torture.loop;

import dev.pagestore.demo.PageStamp;
import dev.pagestore.torture.PageOperation;
import java.nio.ByteBuffer;

/**
 * The values the torture loops write: writer {@code w}'s write {@code s} writes value {@code w << 32 | s}, as a page
 * image that is {@link PageStamp}'s (the page, the writer and the sequence in every 32-byte block), so a read tells
 * which write it saw, or that it saw none ({@link PageOperation#INITIAL}), or that the page is torn, foreign or
 * garbage ({@link #DAMAGED}, which no write writes).
 */
final class Stamps {
    /** The value of a read that found no whole image of any write. */
    static final long DAMAGED = -1;

    private Stamps() {
    }

    static long value(int writer, long sequence) {
        return (long) writer << 32 | sequence;
    }

    static byte[] image(int pageSizeBytes, long page, long value) {
        return PageStamp.image(pageSizeBytes, page, (int) (value >>> 32), value & 0xFFFF_FFFFL);
    }

    /** The value {@code data}, read from {@code page}, holds. */
    static long valueOf(byte[] data, long page) {
        int writer = (int) ByteBuffer.wrap(data).getLong(8);
        long sequence = PageStamp.sequenceOf(data, page, writer);
        if (sequence < 0 || sequence > 0xFFFF_FFFFL || writer < 0) {
            return DAMAGED;
        }
        return sequence == 0 ? PageOperation.INITIAL : value(writer, sequence);
    }
}

package dev.pagestore.demo;

import java.nio.ByteBuffer;

/**
 * The demo's page images: the whole page is 32-byte blocks {@code (page, worker, sequence, check)}, so a torn,
 * misplaced or foreign page is recognised, and {@code sequence} says which of the owner's writes a page holds.
 * A never-written page is all zeros.
 */
public final class PageStamp {
    static final int BLOCK_BYTES = 32;
    private static final long CHECK_SALT = 0x5A17_CAFE_D00D_1234L;

    private PageStamp() {
    }

    /** The image of write {@code sequence} (>= 1) of {@code worker} to {@code page}. */
    public static byte[] image(int pageSizeBytes, long page, int worker, long sequence) {
        byte[] data = new byte[pageSizeBytes];
        ByteBuffer b = ByteBuffer.wrap(data);
        for (int i = 0; i + BLOCK_BYTES <= pageSizeBytes; i += BLOCK_BYTES) {
            b.putLong(i, page);
            b.putLong(i + 8, worker);
            b.putLong(i + 16, sequence);
            b.putLong(i + 24, page ^ (worker * 31L) ^ sequence ^ CHECK_SALT);
        }
        return data;
    }

    /**
     * The sequence a page image holds: 0 for all zeros, the stamp's sequence when every block is the same valid
     * stamp of {@code page} by {@code worker}, else -1 (torn, foreign or garbage).
     */
    public static long sequenceOf(byte[] data, long page, int worker) {
        ByteBuffer b = ByteBuffer.wrap(data);
        long sequence = b.getLong(16);
        boolean zeros = b.getLong(0) == 0 && b.getLong(8) == 0 && sequence == 0 && b.getLong(24) == 0;
        for (int i = 0; i + BLOCK_BYTES <= data.length; i += BLOCK_BYTES) {
            boolean ok = zeros
                    ? b.getLong(i) == 0 && b.getLong(i + 8) == 0 && b.getLong(i + 16) == 0 && b.getLong(i + 24) == 0
                    : b.getLong(i) == page && b.getLong(i + 8) == worker && b.getLong(i + 16) == sequence
                            && b.getLong(i + 24) == (page ^ (worker * 31L) ^ sequence ^ CHECK_SALT);
            if (!ok) {
                return -1;
            }
        }
        return zeros ? 0 : (sequence > 0 ? sequence : -1);
    }
}

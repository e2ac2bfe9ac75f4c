package dev.pagestore.bench.load;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;

/**
 * The bytes a worker writes: random filler (nothing on the way can compress it), stamped with the page number and a
 * sequence number in its first 16 bytes so that no two writes carry the same image. One per writing thread, reused:
 * the client copies it into its ring slot before the call returns.
 */
final class PageImage {
    private final byte[] bytes;
    private final ByteBuffer view;
    private long sequence;

    PageImage(int sizeBytes, SplittableRandom random) {
        this.bytes = new byte[sizeBytes];
        random.nextBytes(bytes);
        this.view = ByteBuffer.wrap(bytes);
    }

    /** The image for the next write of {@code page}. */
    byte[] stamp(long page) {
        view.putLong(0, page).putLong(8, ++sequence);
        return bytes;
    }
}

package dev.pagestore.manager;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Where a checkpoint writes committed page images and what it forces afterwards: the data file as recovery left it
 * ({@link #of(FileChannel)}), or the data device the reactors write through ({@link DeviceSync}).
 *
 * <p>Thread safety: the checkpointing thread only.
 */
interface DataPageSink {
    /** Writes {@code image} at {@code page}; durable only after a {@link #force()} that succeeds. */
    void write(long page, byte[] image) throws IOException;

    /** Makes every write completed before this call durable (fdatasync, or the device's flush command). */
    void force() throws IOException;

    /** The data file through {@code file}: positional writes, then {@code fdatasync}. */
    static DataPageSink of(FileChannel file, int pageSizeBytes) {
        return new DataPageSink() {
            @Override
            public void write(long page, byte[] image) throws IOException {
                ByteBuffer buffer = ByteBuffer.wrap(image);
                long position = page * pageSizeBytes;
                while (buffer.hasRemaining()) {
                    position += file.write(buffer, position);
                }
            }

            @Override
            public void force() throws IOException {
                file.force(false);
            }
        };
    }
}

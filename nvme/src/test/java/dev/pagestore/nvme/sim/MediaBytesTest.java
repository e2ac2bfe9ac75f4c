package dev.pagestore.nvme.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The media's bytes, in memory (allocated by chunk as written) and mapped from a file, against a plain array: random
 * writes (zeroes among them), zeroing and bit flips, ranges across chunk boundaries, every read compared.
 */
class MediaBytesTest {
    private static final long CAPACITY = (3L << 20) + 8192;  // three whole chunks and a partial one

    @Test
    void inMemoryBytesBehaveAsOneZeroedArray() {
        try (MediaBytes bytes = MediaBytes.inMemory(CAPACITY)) {
            compareWithArray(bytes, 11);
        }
    }

    @Test
    void mappedBytesBehaveAsOneZeroedArray(@TempDir Path directory) throws IOException {
        Path file = directory.resolve("media");
        try (MediaBytes bytes = MediaBytes.mapped(file, CAPACITY)) {
            compareWithArray(bytes, 12);
        }
        assertEquals(CAPACITY, Files.size(file));
    }

    @Test
    void anUnwrittenChunkReadsAsZeroesOverWhatTheDestinationHeld() {
        try (MediaBytes bytes = MediaBytes.inMemory(CAPACITY)) {
            MemorySegment destination = MemorySegment.ofArray(new byte[4096]);
            destination.fill((byte) 0x5A);
            bytes.read(2L << 20, destination, 0, 4096);
            assertArrayEquals(new byte[4096], destination.toArray(ValueLayout.JAVA_BYTE));
        }
    }

    @Test
    void aWriteOfZeroesButOneByteIsKeptInChunksNeverWritten() {
        // {offset, length, index of the one byte}: the last byte of an odd length; in the second chunk of a write
        // across a boundary, as that slice's last byte; the first byte
        long[][] cases = {{4096, 4095, 4094}, {(1 << 20) - 100, 303, 302}, {(2 << 20) + 5, 17, 0}};
        for (long[] c : cases) {
            try (MediaBytes bytes = MediaBytes.inMemory(CAPACITY)) {
                byte[] source = new byte[(int) c[1]];
                source[(int) c[2]] = 0x42;
                bytes.write(MemorySegment.ofArray(source), 0, c[0], c[1]);
                byte[] read = new byte[source.length];
                bytes.read(c[0], MemorySegment.ofArray(read), 0, read.length);
                assertArrayEquals(source, read, "write of " + c[1] + " bytes at " + c[0]);
            }
        }
    }

    @Test
    void closedBytesRefuseEveryAccess() {
        MediaBytes bytes = MediaBytes.inMemory(CAPACITY);
        bytes.close();
        MemorySegment page = MemorySegment.ofArray(new byte[4096]);
        assertThrows(IllegalStateException.class, () -> bytes.read(0, page, 0, 4096), "a chunk never written");
        assertThrows(IllegalStateException.class, () -> bytes.write(page, 0, 0, 4096), "zeroes");
        assertThrows(IllegalStateException.class, () -> bytes.zero(0, 4096));
        assertThrows(IllegalStateException.class, () -> bytes.get(0));
    }

    private static void compareWithArray(MediaBytes bytes, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        byte[] model = new byte[(int) CAPACITY];
        for (int step = 0; step < 600; step++) {
            int offset = random.nextInt(model.length);
            int length = random.nextInt(Math.min(model.length - offset, 3 << 19) + 1);
            switch (random.nextInt(4)) {
                case 0 -> {
                    byte[] source = new byte[length + 7];
                    switch (random.nextInt(3)) {
                        case 0 -> { }  // zeroes, which allocate no chunk
                        case 1 -> {  // zeroes but one byte, anywhere (the last of a long, another chunk)
                            if (length > 0) {
                                source[7 + random.nextInt(length)] = (byte) (1 + random.nextInt(255));
                            }
                        }
                        default -> random.nextBytes(source);
                    }
                    bytes.write(MemorySegment.ofArray(source), 7, offset, length);
                    System.arraycopy(source, 7, model, offset, length);
                }
                case 1 -> {
                    bytes.zero(offset, length);
                    Arrays.fill(model, offset, offset + length, (byte) 0);
                }
                case 2 -> {
                    byte flipped = (byte) (bytes.get(offset) ^ 0x10);
                    bytes.set(offset, flipped);
                    model[offset] = flipped;
                }
                default -> {
                    byte[] read = new byte[length + 3];
                    bytes.read(offset, MemorySegment.ofArray(read), 3, length);
                    assertArrayEquals(Arrays.copyOfRange(model, offset, offset + length),
                            Arrays.copyOfRange(read, 3, length + 3), "read " + offset + "+" + length);
                }
            }
        }
        byte[] all = new byte[model.length];
        bytes.read(0, MemorySegment.ofArray(all), 0, all.length);
        assertArrayEquals(model, all);
    }
}

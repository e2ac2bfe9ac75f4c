package dev.pagestore.nvme.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

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

    private static void compareWithArray(MediaBytes bytes, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        byte[] model = new byte[(int) CAPACITY];
        for (int step = 0; step < 600; step++) {
            int offset = random.nextInt(model.length);
            int length = random.nextInt(Math.min(model.length - offset, 3 << 19) + 1);
            switch (random.nextInt(4)) {
                case 0 -> {
                    byte[] source = new byte[length + 7];
                    if (random.nextInt(3) > 0) {  // else zeroes, which allocate no chunk
                        random.nextBytes(source);
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

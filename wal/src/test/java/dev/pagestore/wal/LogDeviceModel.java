package dev.pagestore.wal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A {@link LogDevice} checked step by step against a byte array: random writes (half of the steps), reads, truncates
 * and preallocations within {@code span} bytes, the size compared after every step. Tests choose how write offsets
 * and the buffers are made ({@link Buffers}); the model is what they agree on.
 */
final class LogDeviceModel {
    /** How a test makes write offsets and lengths, and the memory of writes and reads. */
    interface Buffers {
        /** A write length and offset as {@code {offset, length}}. */
        long[] writeAt(SplittableRandom random, int span);

        MemorySegment writeSource(int length, SplittableRandom random, Arena arena);

        MemorySegment readDestination(int length, SplittableRandom random, Arena arena);
    }

    final byte[] bytes;
    long size;

    LogDeviceModel(int span) {
        this.bytes = new byte[span];
    }

    /** Runs {@code steps} random steps on {@code device}; assertion messages start with {@code where}. */
    void randomSteps(LogDevice device, SplittableRandom random, Arena arena, int steps, Buffers buffers, String where)
            throws IOException {
        int span = bytes.length;
        for (int step = 0; step < steps; step++) {
            int op = random.nextInt(10);
            if (op < 5) {
                long[] at = buffers.writeAt(random, span);
                long offset = at[0];
                int length = (int) at[1];
                byte[] data = new byte[length];
                random.nextBytes(data);
                MemorySegment source = buffers.writeSource(length, random, arena);
                MemorySegment.copy(data, 0, source, ValueLayout.JAVA_BYTE, 0, length);
                device.write(offset, source);
                if (offset > size) {
                    Arrays.fill(bytes, (int) size, (int) offset, (byte) 0);
                }
                System.arraycopy(data, 0, bytes, (int) offset, length);
                size = Math.max(size, offset + length);
            } else if (op < 8) {
                long offset = random.nextLong(span);
                int length = 1 + random.nextInt(20_000);
                MemorySegment destination = buffers.readDestination(length, random, arena);
                long n = device.read(offset, destination);
                long expected = Math.max(0, Math.min(length, size - offset));
                assertEquals(expected, n, where + "read length at " + offset);
                byte[] got = destination.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
                assertArrayEquals(Arrays.copyOfRange(bytes, (int) offset, (int) (offset + n)), got,
                        where + "step " + step + " read " + n + " @" + offset);
            } else {
                long newSize = random.nextLong(span + 1);
                if (op == 8) {
                    device.truncate(newSize);
                } else {
                    device.preallocate(newSize);
                }
                if (newSize > size) {
                    Arrays.fill(bytes, (int) size, (int) newSize, (byte) 0);
                }
                if (op == 8 || newSize > size) {
                    size = newSize;  // truncate sets the size; preallocate only grows it
                }
            }
            assertEquals(size, device.size(), where + "size after step " + step);
        }
    }
}

package dev.pagestore.wal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.ipc.linux.IoUringProbe;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The contract of {@link LogDirectory} and {@link LogDevice} on a real directory, run against every implementation
 * that persists: {@link FileLogDirectory} and {@link IoUringLogDirectory} buffered and {@code O_DIRECT}. (The
 * simulated directory's contract, with power cuts, is {@link QueuePairLogDeviceTest}.)
 */
class LogDirectoryContractTest {
    private static final long SEED = Long.getLong("pagestore.test.seed", 0xD1_7EC7L);

    enum Kind {
        FILE, IO_URING_BUFFERED, IO_URING_DIRECT;

        LogDirectory open(Path path) throws IOException {
            if (this != FILE) {
                Assumptions.assumeTrue(IoUringProbe.run().available(), "io_uring unavailable here");
            }
            return switch (this) {
                case FILE -> new FileLogDirectory(path);
                case IO_URING_BUFFERED -> new IoUringLogDirectory(path);
                case IO_URING_DIRECT -> new IoUringLogDirectory(path, IoUringLogDirectory.Options.defaults()
                        .withDirectIo(true));
            };
        }
    }

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(Kind.class)
    void shouldMatchAByteModelUnderRandomUnalignedWritesReadsTruncatesAndPreallocations(Kind kind) throws Exception {
        LogDirectory directory = kind.open(dir);
        for (long seed = SEED; seed < SEED + 4; seed++) {
            String where = kind + " seed " + seed + " (rerun: -Dpagestore.test.seed=" + seed + "): ";
            SplittableRandom random = new SplittableRandom(seed);
            int span = 64 << 10;
            byte[] model = new byte[span];
            long size = 0;
            String name = "f" + seed;
            try (Arena arena = Arena.ofShared(); LogDevice device = directory.open(name, true)) {
                assertEquals(0, device.size(), where + "a new file is empty");
                for (int step = 0; step < 150; step++) {
                    int op = random.nextInt(10);
                    if (op < 5) {
                        boolean aligned = random.nextBoolean();
                        int length = aligned ? 4096 * (1 + random.nextInt(4)) : 1 + random.nextInt(20_000);
                        long offset = aligned ? 4096L * random.nextInt((span - length) / 4096)
                                : random.nextLong(span - length);
                        byte[] bytes = new byte[length];
                        random.nextBytes(bytes);
                        MemorySegment source = aligned || random.nextBoolean() ? arena.allocate(length, 4096)
                                : arena.allocate(length + 1, 8).asSlice(1); // native memory, as the WAL uses
                        MemorySegment.copy(bytes, 0, source, ValueLayout.JAVA_BYTE, 0, length);
                        device.write(offset, source);
                        if (offset > size) {
                            Arrays.fill(model, (int) size, (int) offset, (byte) 0);
                        }
                        System.arraycopy(bytes, 0, model, (int) offset, length);
                        size = Math.max(size, offset + length);
                    } else if (op < 8) {
                        long offset = random.nextLong(span);
                        int length = 1 + random.nextInt(20_000);
                        MemorySegment destination = random.nextBoolean()
                                ? arena.allocate(length + 1, 8).asSlice(1) : arena.allocate(length, 4096);
                        long n = device.read(offset, destination);
                        long expected = Math.max(0, Math.min(length, size - offset));
                        assertEquals(expected, n, where + "read length at " + offset);
                        byte[] got = destination.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
                        assertArrayEquals(Arrays.copyOfRange(model, (int) offset, (int) (offset + n)), got,
                                where + "step " + step + " read " + n + " @" + offset);
                    } else if (op == 8) {
                        long newSize = random.nextLong(span + 1);
                        device.truncate(newSize);
                        if (newSize > size) {
                            Arrays.fill(model, (int) size, (int) newSize, (byte) 0);
                        }
                        size = newSize;
                    } else {
                        long newSize = random.nextLong(span + 1);
                        device.preallocate(newSize);
                        if (newSize > size) {
                            Arrays.fill(model, (int) size, (int) newSize, (byte) 0);
                            size = newSize;
                        }
                    }
                    assertEquals(size, device.size(), where + "size after step " + step);
                }
                device.datasync();
            }
            try (LogDevice again = directory.open(name, false); Arena arena = Arena.ofConfined()) {
                assertEquals(size, again.size(), where + "size seen by a new handle");
                MemorySegment all = arena.allocate(span, 4096);
                long n = again.read(0, all);
                assertEquals(size, n, where + "whole-file read");
                assertArrayEquals(Arrays.copyOf(model, (int) size), all.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE),
                        where + "content seen by a new handle");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void shouldKeepNamesSizesAndContentAcrossReopen(Kind kind) throws Exception {
        byte[] kept = new byte[8192 + 100];
        new SplittableRandom(SEED).nextBytes(kept);
        LogDirectory first = kind.open(dir);
        try (LogDevice a = first.open("a.tmp", true); LogDevice b = first.open("b", true);
             LogDevice segment = first.open("segment", true); Arena arena = Arena.ofConfined()) {
            a.write(0, arena.allocate(kept.length, 8).copyFrom(MemorySegment.ofArray(kept)));
            a.datasync();
            b.write(0, arena.allocate(10));
            segment.preallocate(1 << 20);
            MemorySegment block = arena.allocate(4096, 4096).fill((byte) 7);
            segment.write(4096, block);
            segment.datasync();
        }
        first.rename("a.tmp", "a");
        first.delete("b");
        first.delete("never-existed");
        first.sync();

        LogDirectory second = kind.open(dir);
        assertEquals(List.of("a", "segment"), second.list().stream().sorted().toList());
        try (LogDevice a = second.open("a", false); LogDevice segment = second.open("segment", false);
             Arena arena = Arena.ofConfined()) {
            assertEquals(kept.length, a.size());
            MemorySegment read = arena.allocate(kept.length, 4096);
            assertEquals(kept.length, a.read(0, read));
            assertArrayEquals(kept, read.toArray(ValueLayout.JAVA_BYTE));
            assertEquals(1 << 20, segment.size(), "a preallocated segment keeps its size");
            MemorySegment block = arena.allocate(8192, 4096);
            assertEquals(8192, segment.read(0, block));
            assertTrue(block.asSlice(0, 4096).toArray(ValueLayout.JAVA_BYTE)[0] == 0, "unwritten bytes read as zeros");
            assertEquals(-1, block.asSlice(4096, 4096).mismatch(arena.allocate(4096).fill((byte) 7)));
        }
        assertThrows(IOException.class, () -> second.open("b", false), "a deleted name stays deleted");
        assertFalse(second.list().contains("a.tmp"));
    }
}

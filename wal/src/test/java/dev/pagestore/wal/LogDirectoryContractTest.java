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
 * that persists: {@link FileLogDirectory}, {@link PortableLogDirectory}, and {@link IoUringLogDirectory} buffered and
 * {@code O_DIRECT}. (The
 * simulated directory's contract, with power cuts, is {@link QueuePairLogDeviceTest}.)
 */
class LogDirectoryContractTest {
    private static final long SEED = Long.getLong("pagestore.test.seed", 0xD1_7EC7L);

    enum Kind {
        FILE, PORTABLE, IO_URING_BUFFERED, IO_URING_DIRECT;

        LogDirectory open(Path path) throws IOException {
            if (this != FILE && this != PORTABLE) {
                Assumptions.assumeTrue(IoUringProbe.run().available(), "io_uring unavailable here");
            }
            return switch (this) {
                case FILE -> new FileLogDirectory(path);
                case PORTABLE -> new PortableLogDirectory(path);
                case IO_URING_BUFFERED -> new IoUringLogDirectory(path);
                case IO_URING_DIRECT -> new IoUringLogDirectory(path, IoUringLogDirectory.Options.defaults()
                        .withDirectIo(true));
            };
        }
    }

    @TempDir
    Path dir;

    /** Aligned or unaligned offsets and native buffers at any alignment, as the WAL and recovery use them. */
    private static final LogDeviceModel.Buffers CONTRACT_BUFFERS = new LogDeviceModel.Buffers() {
        @Override
        public long[] writeAt(SplittableRandom random, int span) {
            boolean aligned = random.nextBoolean();
            int length = aligned ? 4096 * (1 + random.nextInt(4)) : 1 + random.nextInt(20_000);
            long offset = aligned ? 4096L * random.nextInt((span - length) / 4096) : random.nextLong(span - length);
            return new long[] {offset, length};
        }

        @Override
        public MemorySegment writeSource(int length, SplittableRandom random, Arena arena) {
            return random.nextBoolean() ? arena.allocate(length, 4096) : arena.allocate(length + 1, 8).asSlice(1);
        }

        @Override
        public MemorySegment readDestination(int length, SplittableRandom random, Arena arena) {
            return random.nextBoolean() ? arena.allocate(length + 1, 8).asSlice(1) : arena.allocate(length, 4096);
        }
    };

    @ParameterizedTest
    @EnumSource(Kind.class)
    void shouldMatchAByteModelUnderRandomUnalignedWritesReadsTruncatesAndPreallocations(Kind kind) throws Exception {
        LogDirectory directory = kind.open(dir);
        for (long seed = SEED; seed < SEED + 4; seed++) {
            String where = kind + " seed " + seed + " (rerun: -Dpagestore.test.seed=" + seed + "): ";
            SplittableRandom random = new SplittableRandom(seed);
            int span = 64 << 10;
            LogDeviceModel model = new LogDeviceModel(span);
            String name = "f" + seed;
            try (Arena arena = Arena.ofShared(); LogDevice device = directory.open(name, true)) {
                assertEquals(0, device.size(), where + "a new file is empty");
                model.randomSteps(device, random, arena, 150, CONTRACT_BUFFERS, where);
                device.datasync();
            }
            try (LogDevice again = directory.open(name, false); Arena arena = Arena.ofConfined()) {
                long size = model.size;
                assertEquals(size, again.size(), where + "size seen by a new handle");
                MemorySegment all = arena.allocate(span, 4096);
                long n = again.read(0, all);
                assertEquals(size, n, where + "whole-file read");
                assertArrayEquals(Arrays.copyOf(model.bytes, (int) size), all.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE),
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

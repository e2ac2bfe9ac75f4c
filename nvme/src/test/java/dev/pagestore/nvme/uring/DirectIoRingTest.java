package dev.pagestore.nvme.uring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.ipc.linux.SharedMemoryRegion;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** io_uring against an O_DIRECT file on the build's disk: data round trips, fixed buffers, fallback, fsync, cancel. */
class DirectIoRingTest {
    private static final int PAGE = 4096;
    private static final int FILE_PAGES = 1024;

    private final long seed = Long.getLong("pagestore.test.seed", System.nanoTime());
    private Path directory;
    private DirectIoFile file;

    @BeforeEach
    void openFile() throws Exception {
        directory = UringTestFiles.scratchDirectory();
        file = DirectIoFile.open(directory.resolve("data"), (long) FILE_PAGES * PAGE, true);
    }

    @AfterEach
    void closeFile() throws Exception {
        file.close();
        UringTestFiles.deleteRecursively(directory);
    }

    private String seedMessage() {
        return " (seed " + seed + "; rerun with -Dpagestore.test.seed=" + seed + ")";
    }

    /** Distinct random page numbers. */
    private static long[] randomPages(SplittableRandom random, int count) {
        LinkedHashSet<Long> pages = new LinkedHashSet<>();
        while (pages.size() < count) {
            pages.add((long) random.nextInt(FILE_PAGES));
        }
        return pages.stream().mapToLong(Long::longValue).toArray();
    }

    /**
     * Writes {@code source[i]} to page {@code pages[i]}, then reads each page into {@code target[i]}, in batches of
     * up to the SQ size, checking every result is a full page.
     */
    private void writeThenRead(IoUring ring, RingFile ringFile, long[] pages, MemorySegment[] source,
                               MemorySegment[] target) {
        for (UringOp op : new UringOp[]{UringOp.WRITE, UringOp.READ}) {
            int next = 0;
            while (next < pages.length) {
                int batch = 0;
                while (next + batch < pages.length) {
                    int i = next + batch;
                    boolean prepared = op == UringOp.WRITE
                            ? ring.sq().prepareWrite(ringFile, source[i], pages[i] * PAGE, i)
                            : ring.sq().prepareRead(ringFile, target[i], pages[i] * PAGE, i);
                    if (!prepared) {
                        break;
                    }
                    batch++;
                }
                assertTrue(batch > 0, "queue refused the first entry of a batch");
                ring.submit();
                for (RecordingHandler.Completion c : RecordingHandler.reapAll(ring, batch).completions) {
                    assertEquals(op, c.op());
                    assertEquals(PAGE, c.result(), op + " of page " + pages[(int) c.callerId()] + ": "
                            + CompletionStatus.describe(op, c.result()) + seedMessage());
                }
                next += batch;
            }
        }
    }

    private void assertSameContents(long[] pages, MemorySegment[] expected, MemorySegment[] actual) {
        for (int i = 0; i < pages.length; i++) {
            assertEquals(-1L, expected[i].mismatch(actual[i]),
                    "page " + pages[i] + " read back differs from what was written" + seedMessage());
        }
    }

    @Test
    void shouldWriteThenReadRandomPagesAtRandomOffsetsWithDirectIo() throws Exception {
        SplittableRandom random = new SplittableRandom(seed);
        int count = 256;
        long[] pages = randomPages(random, count);
        try (Arena arena = Arena.ofConfined(); IoUring ring = IoUring.open(IoUringOptions.of(32))) {
            MemorySegment[] source = new MemorySegment[count];
            MemorySegment[] target = new MemorySegment[count];
            for (int i = 0; i < count; i++) {
                source[i] = arena.allocate(PAGE, file.alignment().memoryAlignBytes());
                UringTestFiles.fillRandom(source[i], random);
                target[i] = arena.allocate(PAGE, file.alignment().memoryAlignBytes());
            }
            writeThenRead(ring, RingFile.unregistered(file.fd()), pages, source, target);
            assertSameContents(pages, source, target);
            assertEquals(2L * count, ring.stats().plainBufferIos());

            // A page never written reads as zeros (fallocate leaves unwritten extents).
            long untouched = -1;
            for (long p = 0; p < FILE_PAGES && untouched < 0; p++) {
                final long candidate = p;
                if (java.util.Arrays.stream(pages).noneMatch(x -> x == candidate)) {
                    untouched = p;
                }
            }
            MemorySegment zeros = arena.allocate(PAGE, PAGE);
            zeros.fill((byte) 1);
            ring.sq().prepareRead(RingFile.unregistered(file.fd()), zeros, untouched * PAGE, 1);
            ring.submit();
            assertEquals(PAGE, RecordingHandler.reapAll(ring, 1).completions.getFirst().result());
            assertEquals(-1L, zeros.mismatch(arena.allocate(PAGE)), "never-written page " + untouched + " is zeros");
        }
    }

    @Test
    void shouldRoundTripFixedBuffersThatLiveInASharedMemoryRegion() throws Exception {
        SplittableRandom random = new SplittableRandom(seed);
        int count = 64;
        long[] pages = randomPages(random, count);
        String name = "pagestore-uring-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        try (SharedMemoryRegion region = SharedMemoryRegion.create(name, 2L * count * PAGE);
             IoUring ring = IoUring.open(IoUringOptions.of(16))) {
            region.unlink();
            assertTrue(ring.registrations().registerBuffers(region.segment()),
                    "registering /dev/shm memory failed: " + ring.registrations().bufferRegistrationFailure());
            RingFile ringFile = ring.registrations().registerFiles(file.fd())[0];
            assertTrue(ringFile.registered());
            MemorySegment[] source = new MemorySegment[count];
            MemorySegment[] target = new MemorySegment[count];
            for (int i = 0; i < count; i++) {
                source[i] = region.segment().asSlice((long) i * PAGE, PAGE);
                UringTestFiles.fillRandom(source[i], random);
                target[i] = region.segment().asSlice((long) (count + i) * PAGE, PAGE);
            }
            writeThenRead(ring, ringFile, pages, source, target);
            assertSameContents(pages, source, target);
            assertEquals(2L * count, ring.stats().fixedBufferIos(), "every I/O used READ_FIXED/WRITE_FIXED");
            assertEquals(0, ring.stats().plainBufferIos());
        }
    }

    @Test
    void shouldFallBackToUnregisteredIoWhenTheKernelRefusesTheBufferSet() throws Exception {
        SplittableRandom random = new SplittableRandom(seed);
        int count = 32;
        long[] pages = randomPages(random, count);
        try (Arena arena = Arena.ofConfined(); IoUring ring = IoUring.open(IoUringOptions.of(16))) {
            MemorySegment slab = arena.allocate(2L * count * PAGE, PAGE);
            // An absurd buffer set: one buffer of 2 GiB (the kernel caps a registered buffer at 1 GiB).
            MemorySegment absurd = MemorySegment.ofAddress(slab.address()).reinterpret(2L << 30);
            assertFalse(ring.registrations().registerBuffers(absurd), "the kernel must refuse a 2 GiB registered buffer");
            assertFalse(ring.registrations().buffersRegistered());
            assertFalse(ring.registrations().bufferRegistrationFailure().isEmpty());
            MemorySegment[] source = new MemorySegment[count];
            MemorySegment[] target = new MemorySegment[count];
            for (int i = 0; i < count; i++) {
                source[i] = slab.asSlice((long) i * PAGE, PAGE);
                UringTestFiles.fillRandom(source[i], random);
                target[i] = slab.asSlice((long) (count + i) * PAGE, PAGE);
            }
            writeThenRead(ring, ring.registrations().registerFiles(file.fd())[0], pages, source, target);
            assertSameContents(pages, source, target);
            assertEquals(0, ring.stats().fixedBufferIos());
            assertEquals(2L * count, ring.stats().plainBufferIos(), "all I/O went through the fallback");
        }
    }

    @Test
    void shouldKeepWorkingWithBuffersInAMappedDiskFileWhetherOrNotTheKernelPinsThem() throws Exception {
        SplittableRandom random = new SplittableRandom(seed);
        int count = 16;
        long[] pages = randomPages(random, count);
        Path slabFile = directory.resolve("slab");
        try (FileChannel channel = FileChannel.open(slabFile, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
             Arena arena = Arena.ofConfined();
             IoUring ring = IoUring.open(IoUringOptions.of(16))) {
            channel.write(java.nio.ByteBuffer.allocate(1), 2L * count * PAGE - 1);
            MemorySegment slab = channel.map(FileChannel.MapMode.READ_WRITE, 0, 2L * count * PAGE, arena);
            // Linux 6.x refuses long-term pins of pages in an ext4 MAP_SHARED mapping (EFAULT): a real-world reason
            // for the fallback. Either way, I/O must work.
            boolean registered = ring.registrations().registerBuffers(slab);
            MemorySegment[] source = new MemorySegment[count];
            MemorySegment[] target = new MemorySegment[count];
            for (int i = 0; i < count; i++) {
                source[i] = slab.asSlice((long) i * PAGE, PAGE);
                UringTestFiles.fillRandom(source[i], random);
                target[i] = slab.asSlice((long) (count + i) * PAGE, PAGE);
            }
            writeThenRead(ring, RingFile.unregistered(file.fd()), pages, source, target);
            assertSameContents(pages, source, target);
            assertEquals(registered ? 2L * count : 0, ring.stats().fixedBufferIos(),
                    "registered=" + registered + " " + ring.registrations().bufferRegistrationFailure());
        }
    }

    @Test
    void shouldCompleteDataOnlyAndFullFsyncAfterWrites() throws Exception {
        try (Arena arena = Arena.ofConfined(); IoUring ring = IoUring.open(IoUringOptions.of(8))) {
            RingFile ringFile = ring.registrations().registerFiles(file.fd())[0];
            MemorySegment page = arena.allocate(PAGE, PAGE);
            UringTestFiles.fillRandom(page, new SplittableRandom(seed));
            ring.sq().prepareWrite(ringFile, page, 5L * PAGE, 1);
            ring.submit();
            assertEquals(PAGE, RecordingHandler.reapAll(ring, 1).completions.getFirst().result());
            assertTrue(ring.sq().prepareFsync(ringFile, true, 2));
            assertTrue(ring.sq().prepareFsync(RingFile.unregistered(file.fd()), false, 3));
            ring.submit();
            RecordingHandler handler = RecordingHandler.reapAll(ring, 2);
            assertEquals(CompletionStatus.OK, CompletionStatus.of(UringOp.FSYNC, handler.find(UringOp.FSYNC, 2).result()));
            assertEquals(CompletionStatus.OK, CompletionStatus.of(UringOp.FSYNC, handler.find(UringOp.FSYNC, 3).result()));
        }
    }

    @Test
    void shouldCancelInFlightReadsBestEffortWithoutLosingAnyCompletion() throws Exception {
        SplittableRandom random = new SplittableRandom(seed);
        int count = 32;
        long[] pages = randomPages(random, count);
        try (Arena arena = Arena.ofConfined(); IoUring ring = IoUring.open(IoUringOptions.of(64))) {
            RingFile ringFile = RingFile.unregistered(file.fd());
            MemorySegment[] source = new MemorySegment[count];
            MemorySegment[] target = new MemorySegment[count];
            for (int i = 0; i < count; i++) {
                source[i] = arena.allocate(PAGE, PAGE);
                UringTestFiles.fillRandom(source[i], random);
                target[i] = arena.allocate(PAGE, PAGE);
                ring.sq().prepareWrite(ringFile, source[i], pages[i] * PAGE, i);
            }
            ring.submit();
            RecordingHandler.reapAll(ring, count);

            for (int i = 0; i < count; i++) {
                assertTrue(ring.sq().prepareRead(ringFile, target[i], pages[i] * PAGE, i));
            }
            ring.submit();
            for (int i = 0; i < count; i++) {
                assertTrue(ring.sq().prepareCancel(UringOp.READ, i, 1000 + i));
            }
            ring.submit();
            RecordingHandler handler = RecordingHandler.reapAll(ring, 2 * count);
            int cancelled = 0;
            List<String> outcomes = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                CompletionStatus cancel = CompletionStatus.of(UringOp.ASYNC_CANCEL,
                        handler.find(UringOp.ASYNC_CANCEL, 1000 + i).result());
                int readResult = handler.find(UringOp.READ, i).result();
                CompletionStatus read = CompletionStatus.of(UringOp.READ, readResult);
                outcomes.add(cancel + "/" + read);
                assertTrue(cancel == CompletionStatus.OK || cancel == CompletionStatus.CANCEL_TARGET_NOT_FOUND
                        || cancel == CompletionStatus.CANCEL_TARGET_RUNNING, "cancel " + i + ": " + cancel);
                if (cancel == CompletionStatus.OK) {
                    assertEquals(CompletionStatus.CANCELED, read, "a successful cancel cancels its read " + i);
                    cancelled++;
                } else {
                    assertEquals(PAGE, readResult, "read " + i + " not cancelled must complete fully" + seedMessage());
                    assertEquals(-1L, source[i].mismatch(target[i]), "read " + i + " data" + seedMessage());
                }
            }
            assertEquals(0, ring.inFlight(), "every read and every cancel completed exactly once");
            System.out.println("cancel outcomes (cancelled " + cancelled + " of " + count + "): " + outcomes);
        }
    }

    @Test
    void shouldReportMisalignedDirectIoAsAnInvalidRequest() throws Exception {
        try (Arena arena = Arena.ofConfined(); IoUring ring = IoUring.open(IoUringOptions.of(8))) {
            // The file offset is off the direct I/O offset alignment (memory alignment can be as small as the
            // device's DMA alignment, a few bytes on virtio, so the offset is the portable way to be misaligned).
            assertTrue(file.alignment().offsetAlignBytes() > 1, file.alignment().toString());
            // A write, because ext4 answers a read of an unwritten extent with zeros before checking alignment.
            ring.sq().prepareWrite(RingFile.unregistered(file.fd()), arena.allocate(PAGE, PAGE), 1, 1);
            ring.submit();
            int result = RecordingHandler.reapAll(ring, 1).completions.getFirst().result();
            assertEquals(CompletionStatus.INVALID, CompletionStatus.of(UringOp.WRITE, result),
                    CompletionStatus.describe(UringOp.WRITE, result));
        }
    }

    @Test
    void shouldTreatACompletionWithABadDescriptorAsAProgrammingError() throws Exception {
        try (Arena arena = Arena.ofConfined(); IoUring ring = IoUring.open(IoUringOptions.of(8))) {
            ring.sq().prepareRead(RingFile.unregistered(1_000_000), arena.allocate(PAGE, PAGE), 0, 1);
            ring.submit();
            int result = RecordingHandler.reapAll(ring, 1).completions.getFirst().result();
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> CompletionStatus.of(UringOp.READ, result));
            assertTrue(e.getMessage().contains("EBADF"), e.getMessage());
        }
    }

    @Test
    void shouldRefuseARingFileThatWasNotRegisteredWithThisRing() throws Exception {
        try (Arena arena = Arena.ofConfined(); IoUring ring = IoUring.open(IoUringOptions.of(8))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ring.sq().prepareRead(new RingFile(file.fd(), 3), arena.allocate(PAGE, PAGE), 0, 1));
            assertTrue(e.getMessage().contains("not registered"), e.getMessage());
            assertEquals(0, ring.prepared());
        }
    }
}

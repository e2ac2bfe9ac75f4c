package dev.pagestore.nvme.uring;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pagestore.nvme.DeviceFile;
import dev.pagestore.nvme.IoStatus;
import dev.pagestore.nvme.QueuePair;
import dev.pagestore.nvme.RecordingHandler;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Buffers attached to a running io_uring queue pair one at a time ({@link QueuePair#attachBuffer}), the way the
 * manager registers each worker's {@code /dev/shm} slab while it serves it: I/O inside an attached region is fixed,
 * outside it or after its detach plain, and the data is right either way, also across a detach with a read in flight
 * and after an ownership hand-off.
 */
class AttachedBuffersTest {
    private static final int BLOCK = 4096;
    private static final int SLOTS = 4;

    private Path scratch;
    private IoUringBlockDevice device;
    private final Arena arena = Arena.ofShared();
    private final List<Path> slabFiles = new ArrayList<>();
    private final SplittableRandom random = new SplittableRandom(42);

    @BeforeEach
    void open() throws IOException {
        assumeTrue(Files.isDirectory(Path.of("/dev/shm")), "no /dev/shm on this machine");
        scratch = UringTestFiles.scratchDirectory();
        device = IoUringBlockDevice.open(scratch.resolve("device.img"), DeviceFile.Options.create(1L << 20));
    }

    @AfterEach
    void close() throws IOException {
        if (device != null) {
            device.close();
        }
        arena.close();
        for (Path file : slabFiles) {
            Files.deleteIfExists(file);
        }
        UringTestFiles.deleteRecursively(scratch);
    }

    /** A {@code /dev/shm} mapping of {@link #SLOTS} blocks, as a worker's channel slab is. */
    private MemorySegment slab() throws IOException {
        Path file = Files.createTempFile(Path.of("/dev/shm"), "pagestore-attach-test-", ".slab");
        slabFiles.add(file);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            channel.truncate((long) SLOTS * BLOCK);
            return channel.map(FileChannel.MapMode.READ_WRITE, 0, (long) SLOTS * BLOCK, arena);
        }
    }

    /**
     * Fails when {@code handle} says the kernel refused where it must not (Linux 5.19+, sparse buffer tables, and no
     * memlock limit in the way); elsewhere a refusal skips the test.
     */
    private static void attached(QueuePair qp, int handle) throws IOException {
        String why = "the kernel refused to register a /dev/shm mapping: " + qp.bufferRegistrationFailure();
        String[] release = System.getProperty("os.version").split("[.-]");
        boolean sparseTables = Integer.parseInt(release[0]) * 100 + Integer.parseInt(release[1]) >= 519;
        boolean unlimited = "root".equals(System.getProperty("user.name"))
                || Files.readString(Path.of("/proc/self/limits")).lines()
                        .anyMatch(l -> l.startsWith("Max locked memory") && l.contains("unlimited"));
        if (sparseTables && unlimited) {
            assertTrue(handle >= 0, why);
        } else {
            assumeTrue(handle >= 0, why);
        }
    }

    private static IoUringStats stats(QueuePair qp) {
        return ((IoUringBackend) qp.backend()).ringStats();
    }

    private static long deadline() {
        return System.nanoTime() + 10_000_000_000L;
    }

    private void read(QueuePair qp, RecordingHandler h, MemorySegment into, long offset) {
        long tag = h.completions.size();
        assertTrue(qp.prepareRead(tag, into, offset, BLOCK, deadline()));
        qp.submit();
        h.pollUntil(qp, (int) tag + 1);
        assertEquals(IoStatus.OK, h.get(tag).status());
    }

    @Test
    void readsIntoAnAttachedRegionAreFixedAndAfterItsDetachPlain() throws IOException {
        try (QueuePair qp = device.openQueuePair(8)) {
            RecordingHandler h = new RecordingHandler("attach");
            MemorySegment first = slab();
            MemorySegment second = slab();
            int a = qp.attachBuffer(first);
            attached(qp, a);
            int b = qp.attachBuffer(second);
            assertNotEquals(a, b);
            MemorySegment plain = arena.allocate(BLOCK, BLOCK);
            MemorySegment expected = arena.allocate(BLOCK, BLOCK);
            for (int i = 0; i < SLOTS; i++) {
                long fixed = stats(qp).fixedBufferIos();
                read(qp, h, second.asSlice((long) i * BLOCK, BLOCK), (long) i * BLOCK);
                assertEquals(fixed + 1, stats(qp).fixedBufferIos(), "a read into an attached region is READ_FIXED");
            }
            for (int i = 0; i < SLOTS; i++) {
                MemorySegment slot = first.asSlice((long) i * BLOCK, BLOCK);
                MemorySegment data = arena.allocate(BLOCK, BLOCK);
                for (long j = 0; j < BLOCK; j += 8) {
                    data.set(ValueLayout.JAVA_LONG, j, random.nextLong());
                }
                long tag = h.completions.size();
                assertTrue(qp.prepareWrite(tag, data, 64L * BLOCK + (long) i * BLOCK, BLOCK, deadline()));
                qp.submit();
                h.pollUntil(qp, (int) tag + 1);
                read(qp, h, slot, 64L * BLOCK + (long) i * BLOCK);
                assertArrayEquals(data.toArray(ValueLayout.JAVA_BYTE), slot.toArray(ValueLayout.JAVA_BYTE),
                        "slot " + i + " of the first region");
            }
            qp.detachBuffer(a);
            long fixed = stats(qp).fixedBufferIos();
            long plainIos = stats(qp).plainBufferIos();
            read(qp, h, first.asSlice(0, BLOCK), 64L * BLOCK);
            read(qp, h, second.asSlice(0, BLOCK), 64L * BLOCK);
            read(qp, h, plain, 64L * BLOCK);
            expected.copyFrom(first.asSlice(0, BLOCK));
            assertArrayEquals(expected.toArray(ValueLayout.JAVA_BYTE), second.asSlice(0, BLOCK)
                    .toArray(ValueLayout.JAVA_BYTE));
            assertArrayEquals(expected.toArray(ValueLayout.JAVA_BYTE), plain.toArray(ValueLayout.JAVA_BYTE));
            assertEquals(fixed + 1, stats(qp).fixedBufferIos(), "only the read into the region still attached");
            assertEquals(plainIos + 2, stats(qp).plainBufferIos(), "the detached region's read and the heap's");
            assertEquals(a, qp.attachBuffer(first), "a detached entry is taken again");
            assertThrows(IllegalArgumentException.class, () -> qp.detachBuffer(a + 100));
            assertThrows(IllegalArgumentException.class, () -> qp.detachBuffer(-1));
        }
    }

    @Test
    void aReadInFlightIntoARegionDetachedUnderItStillLandsThere() throws Exception {
        try (HeldReadDevice held = HeldReadDevice.open(); QueuePair qp = held.device().openQueuePair(4)) {
            RecordingHandler h = new RecordingHandler("held");
            MemorySegment region = slab();
            int handle = qp.attachBuffer(region);
            attached(qp, handle);
            assertTrue(qp.prepareRead(1, region.asSlice(BLOCK, BLOCK), 0, BLOCK, deadline()));
            qp.submit();
            qp.poll(8, h);
            qp.detachBuffer(handle);
            held.send((byte) 0x5a);
            h.pollUntil(qp, 1);
            assertEquals(IoStatus.OK, h.get(1).status());
            for (long i = 0; i < BLOCK; i++) {
                assertEquals((byte) 0x5a, region.get(ValueLayout.JAVA_BYTE, BLOCK + i), "byte " + i);
            }
        }
    }

    @Test
    void attachedRegionsAreRegisteredAgainOnTheRingOfANewOwner() throws Exception {
        QueuePair qp = device.openQueuePair(4);
        MemorySegment region = slab();
        int handle = qp.attachBuffer(region);
        attached(qp, handle);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long[] fixedOnNewRing = new long[1];
        Thread owner = new Thread(() -> {
            try {
                RecordingHandler h = new RecordingHandler("new owner");
                read(qp, h, region.asSlice(0, BLOCK), 0);
                fixedOnNewRing[0] = stats(qp).fixedBufferIos();
                qp.detachBuffer(handle);
                qp.close();
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "attach-new-owner");
        qp.transferOwnership(owner);
        owner.start();
        owner.join();
        assertNull(failure.get(), () -> "the new owner failed: " + failure.get());
        assertEquals(1, fixedOnNewRing[0], "the new ring's first read was READ_FIXED");
    }

    @Test
    void onlyNativeMemoryOfAtMostAGibibyteIsAttached() throws IOException {
        try (QueuePair qp = device.openQueuePair(4)) {
            assertThrows(IllegalArgumentException.class, () -> qp.attachBuffer(MemorySegment.ofArray(new byte[BLOCK])));
            assertThrows(IllegalArgumentException.class, () -> qp.attachBuffer(arena.allocate(0)));
            assertThrows(IllegalArgumentException.class, () -> qp.attachBuffer(null));
            MemorySegment overGibibyte = MemorySegment.ofAddress(1L << 30)
                    .reinterpret(RingRegistrations.BUFFER_BYTES_MAX + 1);
            assertThrows(IllegalArgumentException.class, () -> qp.attachBuffer(overGibibyte));
        }
    }

    @Test
    void aFullTableAttachesNoMoreAndSaysWhy() throws IOException {
        try (QueuePair qp = device.openQueuePair(4)) {
            MemorySegment region = slab();
            for (int i = 0; i < RingRegistrations.ATTACHED_MAX; i++) {
                int handle = qp.attachBuffer(region);
                attached(qp, handle);
                assertEquals(i, handle, "handles are taken lowest first");
            }
            assertEquals(-1, qp.attachBuffer(region));
            assertTrue(qp.bufferRegistrationFailure().contains("in use"), qp.bufferRegistrationFailure());
            qp.detachBuffer(7);
            assertEquals(7, qp.attachBuffer(region), "a freed entry is taken again");
            assertEquals("", qp.bufferRegistrationFailure());
        }
    }
}

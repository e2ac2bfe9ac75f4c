package dev.pagestore.wal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.nvme.IoStatus;
import dev.pagestore.ipc.owner.OwnerThreadException;
import dev.pagestore.nvme.sim.NvmeOpcodes;
import dev.pagestore.nvme.sim.NvmeStatus;
import dev.pagestore.nvme.sim.SimulatedNvmeDevice;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** {@link QueuePairLogDevice} and {@link QueuePairLogDirectory} on the simulated controller. */
class QueuePairLogDeviceTest {
    private static final long SEED = Long.getLong("pagestore.test.seed", 0x10DE_7E57L);

    private static QueuePairLogDirectory directory(long seed, int blockSize, int maxTransfer, long capacity,
                                                   QueuePairLogDevice.Settings settings) {
        return new QueuePairLogDirectory("test(seed=" + seed + ")", name -> SimulatedNvmeDevice.builder()
                .name(name).seed(seed).capacityBytes(capacity).logicalBlockSizeBytes(blockSize)
                .memoryAlignmentBytes(4096).maxTransferBytes(maxTransfer).build(), settings);
    }

    /** Unaligned offsets; heap, unaligned native and aligned native buffers: the device stages what it must. */
    private static final LogDeviceModel.Buffers ANY_MEMORY = new LogDeviceModel.Buffers() {
        @Override
        public long[] writeAt(SplittableRandom random, int span) {
            int length = 1 + random.nextInt(20_000);
            return new long[] {random.nextLong(span - length), length};
        }

        @Override
        public MemorySegment writeSource(int length, SplittableRandom random, Arena arena) {
            return switch (random.nextInt(3)) {
                case 0 -> MemorySegment.ofArray(new byte[length]);
                case 1 -> arena.allocate(length + 1, 1).asSlice(1);
                default -> arena.allocate(length, 4096);
            };
        }

        @Override
        public MemorySegment readDestination(int length, SplittableRandom random, Arena arena) {
            return random.nextBoolean() ? MemorySegment.ofArray(new byte[length]) : arena.allocate(length, 4096);
        }
    };

    @Test
    void shouldMatchAByteModelUnderRandomUnalignedWritesReadsTruncatesAndPreallocations() throws Exception {
        for (long seed = SEED; seed < SEED + 20; seed++) {
            String where = "seed " + seed + " (rerun: -Dpagestore.test.seed=" + seed + "): ";
            SplittableRandom random = new SplittableRandom(seed);
            long capacity = 64 << 10;
            QueuePairLogDevice.Settings settings = new QueuePairLogDevice.Settings(1 + random.nextInt(4),
                    10_000_000_000L, 100_000_000L, 4096 << random.nextInt(3));
            QueuePairLogDirectory directory = directory(seed, random.nextBoolean() ? 512 : 4096, 8192, capacity,
                    settings);
            LogDeviceModel model = new LogDeviceModel((int) capacity);
            try (Arena arena = Arena.ofShared(); LogDevice device = directory.open("f", true)) {
                model.randomSteps(device, random, arena, 300, ANY_MEMORY, where);
                device.datasync();
                QueuePairIoException full = assertThrows(QueuePairIoException.class,
                        () -> device.write(capacity - 100, MemorySegment.ofArray(new byte[200])));
                assertEquals(IoStatus.NO_SPACE, full.status());
            }
            directory.closeDevices();
        }
    }

    @Test
    void shouldKeepFlushedDataAndSizeAndLoseUnflushedDataSizeAndNamesOnPowerCut() throws Exception {
        SimulatedLogDirectory.Settings settings = SimulatedLogDirectory.Settings.of(SEED, 64 << 10)
                .withCacheBlocks(2); // a small cache writes most of an unflushed write back to the media
        SimulatedLogDirectory directory = new SimulatedLogDirectory(settings);
        byte[] flushed = new byte[8192];
        new SplittableRandom(SEED).nextBytes(flushed);
        try (Arena arena = Arena.ofShared()) {
            LogDevice device = directory.open("kept", true);
            device.write(0, MemorySegment.ofArray(flushed));
            device.datasync();
            directory.sync();
            byte[] unflushed = new byte[8192];
            Arrays.fill(unflushed, (byte) 0x5A);
            device.write(8192, MemorySegment.ofArray(unflushed));
            directory.open("unsynced-name", true).write(0, MemorySegment.ofArray(new byte[512]));
            assertEquals(16384, device.size());

            int lost = directory.powerFail();
            assertTrue(lost > 0, "the cache held unflushed blocks");
            assertTrue(directory.isPowerCut());
            IOException off = assertThrows(IOException.class, () -> device.write(0, MemorySegment.ofArray(flushed)));
            assertTrue(off.getMessage().contains("power lost"), off.getMessage());
            assertThrows(IOException.class, directory::list);
            device.close();

            SimulatedLogDirectory restarted = directory.reopen();
            assertEquals(java.util.List.of("kept"), restarted.list(), "an unsynced create is lost");
            LogDevice again = restarted.open("kept", false);
            assertEquals(8192, again.size(), "the size made durable by the flush");
            MemorySegment read = arena.allocate(16384, 4096);
            assertEquals(8192, again.read(0, read));
            assertArrayEquals(flushed, read.asSlice(0, 8192).toArray(ValueLayout.JAVA_BYTE));
            again.preallocate(16384);
            assertEquals(16384, again.read(0, read));
            assertArrayEquals(new byte[8192], read.asSlice(8192, 8192).toArray(ValueLayout.JAVA_BYTE),
                    "bytes written back past the durable size read as zeros when the file grows again");
            again.close();
        } finally {
            directory.close();
        }
    }

    @Test
    void shouldFailForGoodWithTheStatusAfterAnInjectedFlushError() throws Exception {
        SimulatedLogDirectory directory = new SimulatedLogDirectory(SimulatedLogDirectory.Settings.of(SEED, 64 << 10));
        try (LogDevice device = directory.open("f", true)) {
            device.write(0, MemorySegment.ofArray(new byte[4096]));
            directory.simulatedDevice("f").faults().failNext(NvmeOpcodes.FLUSH, 1, NvmeStatus.WRITE_FAULT);
            QueuePairIoException e = assertThrows(QueuePairIoException.class, device::datasync);
            assertEquals(IoStatus.IO_ERROR, e.status());
            IOException later = assertThrows(IOException.class, device::datasync);
            assertTrue(later.getMessage().contains("failed earlier"), later.getMessage());
            assertEquals(1, directory.simulatedDevice("f").faults().injectedCount(), "no retry of the flush");
        } finally {
            directory.close();
        }
    }

    @Test
    void shouldReportATimeoutAsATypedExceptionAndReleaseTheBufferOnClose() throws Exception {
        SimulatedLogDirectory directory = new SimulatedLogDirectory(SimulatedLogDirectory.Settings.of(SEED, 64 << 10)
                .withDevice(QueuePairLogDevice.Settings.defaults().withTimeoutNanos(50_000_000L)));
        try {
            LogDevice device = directory.open("f", true);
            directory.simulatedDevice("f").faults().holdNext(NvmeOpcodes.WRITE, 1);
            assertThrows(QueuePairTimeoutException.class, () -> device.write(0, MemorySegment.ofArray(new byte[512])));
            assertThrows(IOException.class, device::datasync);
            device.close();
            directory.simulatedDevice("f").faults().releaseHeld();
        } finally {
            directory.close();
        }
    }

    @Test
    void shouldRefuseOtherThreadsOncePinnedAndServeAnyThreadInTurnWhileUnpinned() throws Exception {
        SimulatedLogDirectory directory = new SimulatedLogDirectory(SimulatedLogDirectory.Settings.of(SEED, 64 << 10));
        try {
            QueuePairLogDevice device = (QueuePairLogDevice) directory.open("f", true);
            assertNull(device.ownerThread());
            AtomicReference<Throwable> problem = new AtomicReference<>();
            Thread other = Thread.ofPlatform().name("other-user").start(() -> {
                try {
                    device.write(0, MemorySegment.ofArray(new byte[512])); // unpinned: a one-shot queue pair
                    device.datasync();
                } catch (Throwable t) {
                    problem.set(t);
                }
            });
            other.join();
            assertNull(problem.get());
            device.write(512, MemorySegment.ofArray(new byte[512]));

            Thread[] writerHolder = new Thread[1];
            java.util.concurrent.CountDownLatch handedOver = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.CountDownLatch refused = new java.util.concurrent.CountDownLatch(1);
            Thread writer = Thread.ofPlatform().name("pinned-writer").unstarted(() -> {
                try {
                    handedOver.await();
                    device.write(1024, MemorySegment.ofArray(new byte[512]));
                    device.datasync();
                    refused.await();
                    // the owner opens another file: pinned to it as well (the WAL writer opening its next segment)
                    try (LogDevice next = directory.open("g", true)) {
                        assertEquals(Thread.currentThread(), ((QueuePairLogDevice) next).ownerThread());
                        next.write(0, MemorySegment.ofArray(new byte[512]));
                    }
                    device.close();
                } catch (Throwable t) {
                    problem.set(t);
                }
            });
            writerHolder[0] = writer;
            device.transferOwnership(writer);
            writer.start();
            assertEquals(writer, device.ownerThread());
            handedOver.countDown();
            OwnerThreadException e = assertThrows(OwnerThreadException.class,
                    () -> device.write(0, MemorySegment.ofArray(new byte[512])));
            assertTrue(e.getMessage().contains("pinned-writer"), e.getMessage());
            assertThrows(OwnerThreadException.class, device::size);
            assertThrows(OwnerThreadException.class, () -> device.transferOwnership(Thread.currentThread()));
            try (LogDevice mine = directory.open("h", true)) {
                assertNull(((QueuePairLogDevice) mine).ownerThread(), "this thread holds no pinned handle");
            }
            refused.countDown();
            writer.join();
            assertNull(problem.get(), () -> "writer thread: " + problem.get());
            assertFalse(writer.isAlive());
        } finally {
            directory.close();
        }
    }
}

package dev.pagestore.nvme.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.nvme.CompletionHandler;
import dev.pagestore.nvme.IoStatus;
import dev.pagestore.nvme.QueuePair;
import dev.pagestore.nvme.RecordingHandler;
import dev.pagestore.nvme.RetryPolicy;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The media behind the simulated controller: what a power failure leaves of the write cache with the random
 * write-back, bits rotted on the media, and the flushes counted.
 */
class SimulatedMediaTest {
    private static final int BLOCK = 512;
    private static final int WRITE_BLOCKS = 8;

    private final long seed = Long.getLong("pagestore.test.seed", System.nanoTime());

    /** A device with 512-byte blocks and a volatile cache that holds every write of these tests. */
    private SimulatedNvmeDevice device(long deviceSeed, boolean randomWriteBack) throws IOException {
        return SimulatedNvmeDevice.builder().capacityBytes(1 << 20).seed(deviceSeed).logicalBlockSizeBytes(BLOCK)
                .memoryAlignmentBytes(BLOCK).volatileWriteCache(true).randomWriteBackOnPowerFail(randomWriteBack)
                .build();
    }

    /** Drives one queue pair: each call submits one command and polls until it completes. */
    private record Host(QueuePair qp, RecordingHandler handler, Arena arena) {
        static Host on(SimulatedNvmeDevice device, Arena arena, String context) {
            QueuePair qp = device.openQueuePair(8);
            qp.retryPolicy(RetryPolicy.NONE);
            return new Host(qp, new RecordingHandler(context), arena);
        }

        IoStatus write(long offset, int blocks, int fill) {
            MemorySegment data = arena.allocate((long) blocks * BLOCK, BLOCK);
            data.fill((byte) fill);
            qp.prepareWrite(handler.completions.size(), data, offset, blocks * BLOCK, QueuePair.NO_DEADLINE);
            return run();
        }

        IoStatus flush() {
            qp.prepareFlush(handler.completions.size(), QueuePair.NO_DEADLINE);
            return run();
        }

        byte[] read(long offset, int length) {
            MemorySegment data = arena.allocate(length, BLOCK);
            qp.prepareRead(handler.completions.size(), data, offset, length, QueuePair.NO_DEADLINE);
            assertEquals(IoStatus.OK, run());
            return data.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
        }

        private IoStatus run() {
            int before = handler.completions.size();
            qp.submit();
            handler.pollUntil(qp, before + 1);
            return handler.completions.getLast().status();
        }

        void close() {
            qp.close(CompletionHandler.DISCARD, 0);
        }
    }

    /** Makes {@code writes} unflushed writes of 8 blocks over flushed ones, cuts the power; the durable bytes. */
    private byte[] cutAfterUnflushedWrites(SimulatedNvmeDevice device, int writes) {
        try (Arena arena = Arena.ofConfined()) {
            Host host = Host.on(device, arena, "seed=" + device.seed());
            for (int w = 0; w < writes; w++) {
                assertEquals(IoStatus.OK, host.write((long) w * WRITE_BLOCKS * BLOCK, WRITE_BLOCKS, 0x11));
            }
            assertEquals(IoStatus.OK, host.flush());
            for (int w = 0; w < writes; w++) {
                assertEquals(IoStatus.OK, host.write((long) w * WRITE_BLOCKS * BLOCK, WRITE_BLOCKS, 0x80 + w));
            }
            host.close();
        }
        device.powerFail();
        byte[] durable = new byte[writes * WRITE_BLOCKS * BLOCK];
        device.readDurable(0, durable);
        return durable;
    }

    @Test
    void shouldLeaveEachCachedWriteLostWholeOrTornAtABlockBoundaryAtAPowerFailure() throws IOException {
        int writes = 60;
        int lost = 0;
        int kept = 0;
        int torn = 0;
        try (SimulatedNvmeDevice device = device(seed, true)) {
            byte[] durable = cutAfterUnflushedWrites(device, writes);
            for (int w = 0; w < writes; w++) {
                int newBlocks = 0;
                for (int b = 0; b < WRITE_BLOCKS; b++) {
                    int at = (w * WRITE_BLOCKS + b) * BLOCK;
                    byte[] block = Arrays.copyOfRange(durable, at, at + BLOCK);
                    boolean isNew = Arrays.equals(block, filled(0x80 + w));
                    assertTrue(isNew || Arrays.equals(block, filled(0x11)),
                            "seed " + seed + ": block " + b + " of write " + w + " is neither old nor new");
                    assertTrue(!isNew || newBlocks == b, "seed " + seed + ": write " + w + " kept block " + b
                            + " but not an earlier one: a tear keeps the first blocks");
                    newBlocks += isNew ? 1 : 0;
                }
                lost += newBlocks == 0 ? 1 : 0;
                kept += newBlocks == WRITE_BLOCKS ? 1 : 0;
                torn += newBlocks > 0 && newBlocks < WRITE_BLOCKS ? 1 : 0;
            }
            SimulatedMedia media = device.media();
            assertEquals(lost, media.writesLostToPowerFailure(), "seed " + seed);
            assertEquals(kept, media.writesKeptAtPowerFailure(), "seed " + seed);
            assertEquals(torn, media.writesTornByPowerFailure(), "seed " + seed);
            assertTrue(lost > 0 && kept > 0 && torn > 0, "seed " + seed + ": 60 writes see every fate: lost "
                    + lost + ", kept " + kept + ", torn " + torn);
        }
    }

    @Test
    void shouldLeaveTheSameMediaForTheSameSeed() throws IOException {
        try (SimulatedNvmeDevice first = device(seed, true); SimulatedNvmeDevice second = device(seed, true)) {
            assertArrayEquals(cutAfterUnflushedWrites(first, 20), cutAfterUnflushedWrites(second, 20),
                    "seed " + seed + ": a power failure is a function of the seed");
        }
    }

    @Test
    void shouldLoseEveryCachedWriteWithoutTheRandomWriteBack() throws IOException {
        try (SimulatedNvmeDevice device = device(seed, false)) {
            byte[] durable = cutAfterUnflushedWrites(device, 10);
            byte[] expected = new byte[durable.length];
            Arrays.fill(expected, (byte) 0x11);
            assertArrayEquals(expected, durable, "seed " + seed + ": only the flushed writes survive");
            assertEquals(10, device.media().writesLostToPowerFailure());
            assertEquals(0, device.media().writesKeptAtPowerFailure() + device.media().writesTornByPowerFailure());
        }
    }

    @Test
    void shouldShowARottenBitToEveryReadAndKeepItThroughAPowerFailure() throws IOException {
        try (SimulatedNvmeDevice device = device(seed, false); Arena arena = Arena.ofConfined()) {
            Host host = Host.on(device, arena, "seed=" + seed);
            host.write(0, 1, 0x11);
            host.flush();
            host.write(BLOCK, 1, 0x22);                    // cached, not flushed
            device.media().flipBit(3, 0);                  // on the media
            device.media().flipBit(BLOCK + 5, 7);          // on the media and in the cache's copy
            byte[] expected = filled(0x11);
            expected[3] ^= 1;
            assertArrayEquals(expected, host.read(0, BLOCK));
            byte[] cached = filled(0x22);
            cached[5] ^= (byte) 0x80;
            assertArrayEquals(cached, host.read(BLOCK, BLOCK), "the read sees the cache's copy, rotten too");
            host.close();
            device.powerFail();
            byte[] durable = new byte[2 * BLOCK];
            device.readDurable(0, durable);
            assertArrayEquals(expected, Arrays.copyOfRange(durable, 0, BLOCK));
            assertEquals((byte) 0x80, durable[BLOCK + 5], "the rot under the lost write stays on the media");
            assertThrows(IllegalArgumentException.class, () -> device.media().flipBit(1 << 20, 0));
            assertThrows(IllegalArgumentException.class, () -> device.media().flipBit(0, 8));
        }
    }

    @Test
    void shouldCountOnlyTheFlushesThatReachedTheMedia() throws IOException {
        try (SimulatedNvmeDevice device = device(seed, false); Arena arena = Arena.ofConfined()) {
            Host host = Host.on(device, arena, "seed=" + seed);
            host.write(0, 1, 0x11);
            assertEquals(IoStatus.OK, host.flush());
            device.faults().failNext(NvmeOpcodes.FLUSH, 1, NvmeStatus.WRITE_FAULT);
            assertEquals(IoStatus.IO_ERROR, host.flush());
            assertEquals(IoStatus.OK, host.flush());
            assertEquals(2, device.media().flushes(), "the failed flush never reached the media");
            host.close();
        }
    }

    private static byte[] filled(int value) {
        byte[] bytes = new byte[BLOCK];
        Arrays.fill(bytes, (byte) value);
        return bytes;
    }
}

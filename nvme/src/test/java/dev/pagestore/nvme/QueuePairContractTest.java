package dev.pagestore.nvme;

import dev.pagestore.ipc.owner.OwnerThreadException;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract every {@link QueuePair} backend must meet. A subclass per backend supplies the device; the io_uring
 * backend adds its own subclass. Randomness is seeded ({@code -Dpagestore.test.seed=...} to repeat a run) and every
 * failure message starts with the backend and the seed.
 */
public abstract class QueuePairContractTest {
    protected static final long CAPACITY_BYTES = 4L << 20;
    protected static final int BLOCK = 4096;

    @TempDir
    protected Path directory;

    protected final long seed = Long.getLong("pagestore.test.seed", System.nanoTime());
    protected final SplittableRandom random = new SplittableRandom(seed);
    protected Arena arena;
    protected BlockDevice device;

    /** Opens the backend's device of at least {@link #CAPACITY_BYTES} in {@code directory}. */
    protected abstract BlockDevice openDevice(Path directory, long seed) throws IOException;

    @BeforeEach
    void openDeviceAndArena() throws IOException {
        arena = Arena.ofShared();
        device = openDevice(directory, seed);
    }

    @AfterEach
    void closeDeviceAndArena() throws IOException {
        device.close();
        arena.close();
    }

    protected String context() {
        return getClass().getSimpleName() + " seed=" + seed + " device=" + device.name();
    }

    protected MemorySegment buffer(int bytes) {
        return arena.allocate(bytes, Math.max(device.memoryAlignmentBytes(), BLOCK));
    }

    protected void fillRandom(MemorySegment segment) {
        for (long i = 0; i < segment.byteSize(); i += 8) {
            segment.set(ValueLayout.JAVA_LONG_UNALIGNED, i, random.nextLong());
        }
    }

    protected long randomBlockOffset(int lengthBytes) {
        long blocks = (device.capacityBytes() - lengthBytes) / BLOCK;
        return random.nextLong(blocks + 1) * BLOCK;
    }

    private static long deadline() {
        return System.nanoTime() + 10_000_000_000L;
    }

    @Test
    void shouldReadBackWhatWasWritten() throws Exception {
        try (QueuePair qp = device.openQueuePair(8)) {
            RecordingHandler h = new RecordingHandler(context());
            for (int round = 0; round < 32; round++) {
                int length = BLOCK * (1 + random.nextInt(4));
                long offset = randomBlockOffset(length);
                MemorySegment written = buffer(length);
                fillRandom(written);
                MemorySegment read = buffer(length);
                assertTrue(qp.prepareWrite(2L * round, written, offset, length, deadline()), context());
                qp.submit();
                h.pollUntil(qp, h.completions.size() + 1);
                assertEquals(IoStatus.OK, h.get(2L * round).status(), context() + " write at " + offset);
                assertEquals(length, h.get(2L * round).transferredBytes(), context());
                assertTrue(qp.prepareRead(2L * round + 1, read, offset, length, deadline()), context());
                qp.submit();
                h.pollUntil(qp, h.completions.size() + 1);
                assertEquals(IoStatus.OK, h.get(2L * round + 1).status(), context() + " read at " + offset);
                assertArrayEquals(written.toArray(ValueLayout.JAVA_BYTE), read.toArray(ValueLayout.JAVA_BYTE),
                        context() + ": read back differs at offset " + offset + " length " + length);
            }
        }
    }

    @Test
    void shouldReadNeverWrittenBlocksAsZeroes() throws Exception {
        try (QueuePair qp = device.openQueuePair(4)) {
            RecordingHandler h = new RecordingHandler(context());
            MemorySegment read = buffer(BLOCK);
            read.fill((byte) 0x5a);
            long offset = device.capacityBytes() - BLOCK;
            assertTrue(qp.prepareRead(1, read, offset, BLOCK, deadline()));
            qp.submit();
            h.pollUntil(qp, 1);
            assertEquals(IoStatus.OK, h.get(1).status(), context());
            assertArrayEquals(new byte[BLOCK], read.toArray(ValueLayout.JAVA_BYTE), context());
        }
    }

    @Test
    void shouldSubmitABatchWithOneDoorbellAndCompleteEveryCommandOnce() throws Exception {
        int depth = 32;
        try (QueuePair qp = device.openQueuePair(depth)) {
            RecordingHandler h = new RecordingHandler(context());
            MemorySegment[] buffers = new MemorySegment[depth];
            long[] offsets = new long[depth];
            for (int i = 0; i < depth; i++) {
                buffers[i] = buffer(BLOCK);
                buffers[i].fill((byte) i);
                offsets[i] = (long) i * BLOCK;  // distinct blocks: no ordering between writes is implied
                assertTrue(qp.prepareWrite(i, buffers[i], offsets[i], BLOCK, deadline()), context());
            }
            assertEquals(depth, qp.preparedCount(), context());
            long doorbellsBefore = qp.metrics().doorbells();
            assertEquals(depth, qp.submit(), context());
            assertEquals(doorbellsBefore + 1, qp.metrics().doorbells(), context() + ": one doorbell per batch");
            assertEquals(0, qp.submit(), context() + ": an empty submit submits nothing");
            assertEquals(doorbellsBefore + 1, qp.metrics().doorbells(), context() + ": an empty submit rings nothing");
            h.pollUntil(qp, depth);
            for (int i = 0; i < depth; i++) {
                assertEquals(IoStatus.OK, h.get(i).status(), context() + " tag " + i);
            }
            assertEquals(0, qp.inFlightCount(), context());
            assertEquals(depth, qp.freeSlotCount(), context());
            assertEquals(0, qp.metrics().unmappedCompletions() + qp.metrics().duplicateCompletions(), context());
        }
    }

    @Test
    void shouldRefuseToPrepareWhenTheQueueIsFullUntilAPollFreesASlot() throws Exception {
        int depth = 4;
        try (QueuePair qp = device.openQueuePair(depth)) {
            RecordingHandler h = new RecordingHandler(context());
            MemorySegment b = buffer(BLOCK * (depth + 1));
            for (int i = 0; i < depth; i++) {
                assertTrue(qp.prepareRead(i, b.asSlice((long) i * BLOCK, BLOCK), (long) i * BLOCK, BLOCK,
                        deadline()), context());
            }
            assertFalse(qp.prepareRead(99, b.asSlice((long) depth * BLOCK, BLOCK), 0, BLOCK, deadline()),
                    context() + ": prepare beyond the queue depth must report full");
            assertEquals(0, qp.freeSlotCount(), context());
            qp.submit();
            assertFalse(qp.prepareFlush(98, deadline()), context() + ": still full while all are in flight");
            h.pollUntil(qp, depth);
            assertTrue(qp.prepareFlush(97, deadline()), context() + ": a completed command frees its slot");
            qp.submit();
            h.pollUntil(qp, depth + 1);
            assertEquals(IoStatus.OK, h.get(97).status(), context());
        }
    }

    @Test
    void shouldFlushAndKeepFlushedDataAcrossQueuePairs() throws Exception {
        MemorySegment written = buffer(2 * BLOCK);
        fillRandom(written);
        long offset = randomBlockOffset(2 * BLOCK);
        try (QueuePair qp = device.openQueuePair(4)) {
            RecordingHandler h = new RecordingHandler(context());
            qp.prepareWrite(1, written, offset, 2 * BLOCK, deadline());
            qp.submit();
            h.pollUntil(qp, 1);
            qp.prepareFlush(2, deadline());
            qp.submit();
            h.pollUntil(qp, 2);
            assertEquals(IoStatus.OK, h.get(1).status(), context());
            assertEquals(IoStatus.OK, h.get(2).status(), context());
            assertEquals(0, h.get(2).transferredBytes(), context());
        }
        try (QueuePair other = device.openQueuePair(2)) {
            RecordingHandler h = new RecordingHandler(context());
            MemorySegment read = buffer(2 * BLOCK);
            other.prepareRead(3, read, offset, 2 * BLOCK, deadline());
            other.submit();
            h.pollUntil(other, 1);
            assertArrayEquals(written.toArray(ValueLayout.JAVA_BYTE), read.toArray(ValueLayout.JAVA_BYTE),
                    context());
        }
    }

    @Test
    void shouldWriteZeroesWhereSupported() throws Exception {
        if (!device.supportsWriteZeroes()) {
            try (QueuePair qp = device.openQueuePair(2)) {
                assertThrows(UnsupportedOperationException.class, () -> qp.prepareWriteZeroes(1, 0, BLOCK, deadline()));
            }
            return;
        }
        try (QueuePair qp = device.openQueuePair(4)) {
            RecordingHandler h = new RecordingHandler(context());
            MemorySegment data = buffer(3 * BLOCK);
            data.fill((byte) 0x77);
            qp.prepareWrite(1, data, 0, 3 * BLOCK, deadline());
            qp.submit();
            h.pollUntil(qp, 1);
            qp.prepareWriteZeroes(2, BLOCK, BLOCK, deadline());
            qp.submit();
            h.pollUntil(qp, 2);
            assertEquals(IoStatus.OK, h.get(2).status(), context());
            MemorySegment read = buffer(3 * BLOCK);
            qp.prepareRead(3, read, 0, 3 * BLOCK, deadline());
            qp.submit();
            h.pollUntil(qp, 3);
            byte[] bytes = read.toArray(ValueLayout.JAVA_BYTE);
            for (int i = 0; i < bytes.length; i++) {
                byte expected = i >= BLOCK && i < 2 * BLOCK ? 0 : (byte) 0x77;
                if (bytes[i] != expected) {
                    throw new AssertionError(context() + ": byte " + i + " is " + bytes[i] + ", expected " + expected);
                }
            }
        }
    }

    @Test
    void shouldAbortPreparedCommandsAndDrainInFlightOnesOnClose() throws Exception {
        QueuePair qp = device.openQueuePair(8);
        RecordingHandler h = new RecordingHandler(context());
        MemorySegment b = buffer(3 * BLOCK);
        qp.prepareWrite(1, b.asSlice(0, BLOCK), 0, BLOCK, deadline());
        qp.prepareWrite(2, b.asSlice(BLOCK, BLOCK), BLOCK, BLOCK, deadline());
        qp.submit();
        qp.prepareRead(3, b.asSlice(2 * BLOCK, BLOCK), 0, BLOCK, deadline());  // never submitted
        int failed = qp.close(h, 5_000_000_000L);
        assertEquals(1, failed, context() + ": only the unsubmitted command fails");
        assertEquals(IoStatus.OK, h.get(1).status(), context());
        assertEquals(IoStatus.OK, h.get(2).status(), context());
        assertEquals(IoStatus.ABORTED, h.get(3).status(), context());
        assertTrue(qp.isClosed());
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> qp.prepareFlush(4, deadline()), context());
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertEquals(0, qp.close(h, 0), context() + ": close is idempotent");
    }

    @Test
    void shouldRefuseACallFromAnotherThreadNamingBothThreads() throws Exception {
        try (QueuePair qp = device.openQueuePair(4)) {
            MemorySegment b = buffer(BLOCK);
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            Thread intruder = new Thread(() -> {
                try {
                    qp.prepareRead(1, b, 0, BLOCK, deadline());
                } catch (Throwable t) {
                    thrown.set(t);
                }
            }, "intruder-thread");
            intruder.start();
            intruder.join();
            assertTrue(thrown.get() instanceof OwnerThreadException, context() + ": got " + thrown.get());
            String message = thrown.get().getMessage();
            assertTrue(message.contains("intruder-thread"), message);
            assertTrue(message.contains(Thread.currentThread().getName()), message);
            assertEquals(0, qp.preparedCount(), context() + ": the refused call changed nothing");
            // The owner is unaffected.
            RecordingHandler h = new RecordingHandler(context());
            qp.prepareRead(2, b, 0, BLOCK, deadline());
            qp.submit();
            h.pollUntil(qp, 1);
            assertEquals(IoStatus.OK, h.get(2).status(), context());
        }
    }

    @Test
    void shouldHandOwnershipToAnotherThreadOnlyFromTheOwner() throws Exception {
        QueuePair qp = device.openQueuePair(4);
        MemorySegment b = buffer(BLOCK);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread reactor = new Thread(() -> {
            try {
                RecordingHandler h = new RecordingHandler(context());
                qp.prepareRead(1, b, 0, BLOCK, deadline());
                qp.submit();
                h.pollUntil(qp, 1);
                qp.close(h, 1_000_000_000L);
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "reactor-0");
        qp.transferOwnership(reactor);
        assertThrows(OwnerThreadException.class, () -> qp.prepareFlush(9, deadline()),
                context() + ": the previous owner is refused after the hand-off");
        reactor.start();
        reactor.join();
        if (failure.get() != null) {
            throw new AssertionError(context() + ": the new owner failed", failure.get());
        }
        assertTrue(qp.isClosed(), context());
    }

    @Test
    void shouldRejectBadArgumentsWithMessagesNamingTheValue() throws Exception {
        try (QueuePair qp = device.openQueuePair(4)) {
            MemorySegment aligned = buffer(4 * BLOCK);
            long capacity = device.capacityBytes();
            int align = device.offsetAlignmentBytes();
            assertRejected(() -> qp.prepareRead(1, aligned.asSlice(8), 0, BLOCK, deadline()), "not aligned");
            assertRejected(() -> qp.prepareRead(1, aligned, align / 2 == 0 ? 1 : align / 2, BLOCK, deadline()),
                    "deviceOffset=");
            assertRejected(() -> qp.prepareWrite(1, aligned, 0, BLOCK + 1, deadline()), "lengthBytes=" + (BLOCK + 1));
            assertRejected(() -> qp.prepareWrite(1, aligned, 0, 0, deadline()), "lengthBytes=0");
            assertRejected(() -> qp.prepareWrite(1, aligned, -BLOCK, BLOCK, deadline()), "deviceOffset=-");
            assertRejected(() -> qp.prepareRead(1, aligned, capacity, BLOCK, deadline()), "beyond the capacity");
            assertRejected(() -> qp.prepareRead(1, aligned, capacity - BLOCK, 2 * BLOCK, deadline()),
                    "beyond the capacity");
            assertRejected(() -> qp.prepareRead(1, aligned.asSlice(0, BLOCK), 0, 2 * BLOCK, deadline()),
                    "exceeds the buffer");
            assertRejected(() -> qp.prepareRead(1, MemorySegment.ofArray(new byte[BLOCK]), 0, BLOCK, deadline()),
                    "heap memory");
            assertRejected(() -> qp.prepareRead(1, null, 0, BLOCK, deadline()), "buffer is null");
            if (device.supportsWriteZeroes()) {
                assertRejected(() -> qp.prepareWriteZeroes(1, capacity, BLOCK, deadline()), "beyond the capacity");
            }
            assertRejected(() -> qp.poll(0, CompletionHandler.DISCARD), "max=0");
            assertEquals(0, qp.preparedCount(), context() + ": rejected commands take no slot");
            assertEquals(4, qp.freeSlotCount(), context());
        }
        assertThrows(IllegalArgumentException.class, () -> device.openQueuePair(0), context());
    }

    private void assertRejected(org.junit.jupiter.api.function.Executable call, String messagePart) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call, context());
        assertTrue(e.getMessage().contains(messagePart),
                context() + ": message '" + e.getMessage() + "' should contain '" + messagePart + "'");
    }

    @Test
    void shouldRefuseToPollFromInsideACompletionHandler() throws Exception {
        try (QueuePair qp = device.openQueuePair(4)) {
            MemorySegment b = buffer(BLOCK);
            qp.prepareRead(1, b, 0, BLOCK, deadline());
            qp.submit();
            AtomicReference<Throwable> inner = new AtomicReference<>();
            int[] delivered = new int[1];
            CompletionHandler reentrant = (tag, status, bytes, detail) -> {
                delivered[0]++;
                try {
                    qp.poll(1, CompletionHandler.DISCARD);
                } catch (IllegalStateException e) {
                    inner.set(e);
                }
                // Preparing and submitting from a handler is allowed.
                qp.prepareFlush(2, deadline());
                qp.submit();
            };
            for (int i = 0; i < 100_000 && delivered[0] == 0; i++) {
                qp.poll(8, reentrant);
            }
            assertEquals(1, delivered[0], context());
            assertTrue(inner.get() != null && inner.get().getMessage().contains("inside a completion handler"),
                    context() + ": got " + inner.get());
            RecordingHandler h = new RecordingHandler(context());
            h.pollUntil(qp, 1);
            assertEquals(IoStatus.OK, h.get(2).status(), context());
        }
    }

    @Test
    void shouldCompleteRandomMixedTrafficMatchingAShadowCopy() throws Exception {
        int depth = 16;
        int blocks = 64;
        byte[][] shadow = new byte[blocks][BLOCK];
        try (QueuePair qp = device.openQueuePair(depth)) {
            RecordingHandler h = new RecordingHandler(context());
            MemorySegment slab = buffer(depth * BLOCK);
            long[] slotOffsets = new long[depth];
            boolean[] slotIsRead = new boolean[depth];
            byte[][] expectedRead = new byte[depth][];
            int issued = 0;
            for (int batch = 0; batch < 40; batch++) {
                int n = 1 + random.nextInt(depth);
                boolean[] blockBusy = new boolean[blocks];
                for (int s = 0; s < n; s++) {
                    int block;
                    do {
                        block = random.nextInt(blocks);
                    } while (blockBusy[block]);  // no two commands of a batch on one block: no order is promised
                    blockBusy[block] = true;
                    MemorySegment b = slab.asSlice((long) s * BLOCK, BLOCK);
                    slotOffsets[s] = (long) block * BLOCK;
                    slotIsRead[s] = random.nextBoolean();
                    long tag = (long) issued++ << 8 | s;
                    if (slotIsRead[s]) {
                        expectedRead[s] = shadow[block].clone();
                        assertTrue(qp.prepareRead(tag, b, slotOffsets[s], BLOCK, deadline()), context());
                    } else {
                        fillRandom(b);
                        shadow[block] = b.toArray(ValueLayout.JAVA_BYTE);
                        assertTrue(qp.prepareWrite(tag, b, slotOffsets[s], BLOCK, deadline()), context());
                    }
                }
                qp.submit();
                h.pollUntil(qp, issued);
                for (int s = 0; s < n; s++) {
                    if (slotIsRead[s]) {
                        assertArrayEquals(expectedRead[s], slab.asSlice((long) s * BLOCK, BLOCK)
                                .toArray(ValueLayout.JAVA_BYTE), context() + ": batch " + batch + " read " + s);
                    }
                }
            }
            for (RecordingHandler.Completion c : h.completions) {
                assertEquals(IoStatus.OK, c.status(), context() + " " + c);
            }
            assertEquals(0, qp.metrics().unmappedCompletions(), context());
        }
    }
}

package dev.pagestore.nvme.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.nvme.IoStatus;
import dev.pagestore.nvme.QueuePair;
import dev.pagestore.nvme.RecordingHandler;
import dev.pagestore.nvme.RetryPolicy;
import dev.pagestore.nvme.StatusDetail;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** One test per injected fault: what the queue pair's caller sees, and that nothing else is disturbed. */
class SimulatedFaultInjectionTest {
    private static final int BLOCK = 4096;
    private static final long MS = 1_000_000L;

    private final long seed = Long.getLong("pagestore.test.seed", System.nanoTime());
    private final ManualClock clock = new ManualClock();
    private Arena arena;
    private SimulatedNvmeDevice device;
    private QueuePair qp;
    private RecordingHandler h;

    @BeforeEach
    void open() throws IOException {
        arena = Arena.ofShared();
        device = SimulatedNvmeDevice.builder()
                .capacityBytes(4L << 20)
                .seed(seed)
                .latency(LatencyModel.uniformTicks(0, 2))
                .volatileWriteCache(true)
                .clock(clock)
                .build();
        qp = device.openQueuePair(8);
        h = new RecordingHandler(context());
        qp.listener(h);
    }

    @AfterEach
    void close() {
        qp.close(dev.pagestore.nvme.CompletionHandler.DISCARD, 0);
        device.close();
        arena.close();
    }

    private String context() {
        return "seed=" + seed + " device=" + device.name();
    }

    private MemorySegment block(int count, int fill) {
        MemorySegment b = arena.allocate((long) count * BLOCK, BLOCK);
        b.fill((byte) fill);
        return b;
    }

    private long deadline() {
        return clock.nanoTime() + 10 * MS;
    }

    private void write(long tag, MemorySegment data, long offset) {
        assertTrue(qp.prepareWrite(tag, data, offset, (int) data.byteSize(), deadline()), context());
        qp.submit();
        h.pollUntil(qp, h.completions.size() + 1);
        assertEquals(IoStatus.OK, h.get(tag).status(), context() + " write " + tag);
    }

    private byte[] read(long tag, long offset, int length) {
        MemorySegment b = block(length / BLOCK, 0);
        assertTrue(qp.prepareRead(tag, b, offset, length, deadline()), context());
        qp.submit();
        h.pollUntil(qp, h.completions.size() + 1);
        assertEquals(IoStatus.OK, h.get(tag).status(), context() + " read " + tag);
        return b.toArray(ValueLayout.JAVA_BYTE);
    }

    private void flush(long tag) {
        qp.prepareFlush(tag, deadline());
        qp.submit();
        h.pollUntil(qp, h.completions.size() + 1);
        assertEquals(IoStatus.OK, h.get(tag).status(), context() + " flush " + tag);
    }

    private static byte[] filled(int length, int value) {
        byte[] bytes = new byte[length];
        Arrays.fill(bytes, (byte) value);
        return bytes;
    }

    @Test
    void shouldSurfaceAnInjectedErrorStatusWithItsNvmeDetailAndNotWrite() {
        qp.retryPolicy(RetryPolicy.NONE);
        device.faults().failNext(NvmeOpcodes.WRITE, 1, NvmeStatus.withDoNotRetry(NvmeStatus.WRITE_FAULT));
        qp.prepareWrite(1, block(1, 0x11), 0, BLOCK, deadline());
        qp.submit();
        h.pollUntil(qp, 1);
        RecordingHandler.Completion c = h.get(1);
        assertEquals(IoStatus.IO_ERROR, c.status(), context());
        assertEquals(NvmeStatus.SCT_MEDIA, StatusDetail.nvmeStatusCodeType(c.detail()), context());
        assertEquals(0x80, StatusDetail.nvmeStatusCode(c.detail()), context());
        assertTrue(StatusDetail.doNotRetry(c.detail()), context() + " " + StatusDetail.describe(c.detail()));
        assertArrayEquals(new byte[BLOCK], read(2, 0, BLOCK), context() + ": the failed write must not land");
        write(3, block(1, 0x22), 0);  // the rule was for one command only
        assertArrayEquals(filled(BLOCK, 0x22), read(4, 0, BLOCK), context());
    }

    @Test
    void shouldRetryTransientErrorsWithBackoffAndNeverRetryDoNotRetryStatuses() {
        qp.retryPolicy(RetryPolicy.exponential(3, MS, 8 * MS));
        write(1, block(1, 0x33), 0);
        device.faults().failNext(NvmeOpcodes.READ, 2, NvmeStatus.DATA_TRANSFER_ERROR);
        MemorySegment b = block(1, 0);
        qp.prepareRead(2, b, 0, BLOCK, clock.nanoTime() + 100 * MS);
        qp.submit();
        for (int i = 0; i < 200 && !h.byTag.containsKey(2L); i++) {
            h.pollTimes(qp, 1);
            clock.advanceNanos(MS / 2);  // back-off is 1 ms, then 2 ms
        }
        assertEquals(IoStatus.OK, h.get(2).status(), context());
        assertEquals(2, qp.metrics().retries(), context());
        assertEquals(2, h.retriedTags.size(), context());
        assertArrayEquals(filled(BLOCK, 0x33), b.toArray(ValueLayout.JAVA_BYTE), context());

        device.faults().failNext(NvmeOpcodes.READ, 1, NvmeStatus.withDoNotRetry(NvmeStatus.DATA_TRANSFER_ERROR));
        qp.prepareRead(3, b, 0, BLOCK, clock.nanoTime() + 100 * MS);
        qp.submit();
        h.pollUntil(qp, h.completions.size() + 1);
        assertEquals(IoStatus.IO_ERROR, h.get(3).status(), context());
        assertEquals(2, qp.metrics().retries(), context() + ": a do-not-retry status is never retried");
    }

    @Test
    void shouldAnswerTimeoutNotTheTransientStatusWhenTheDeadlineLeavesNoTimeForTheRetry() {
        qp.retryPolicy(RetryPolicy.exponential(3, 10 * MS, 10 * MS));
        device.faults().failNext(NvmeOpcodes.READ, 1, NvmeStatus.DATA_TRANSFER_ERROR);
        MemorySegment b = block(1, 0);
        qp.prepareRead(2, b, 0, BLOCK, clock.nanoTime() + 5 * MS);
        qp.submit();
        h.pollUntil(qp, 1);
        assertEquals(IoStatus.TIMEOUT, h.get(2).status(), context() + ": a 10 ms back-off does not fit in 5 ms");
        assertEquals(0, qp.metrics().retries(), context());
        assertFalse(qp.isFenced(2), context() + ": the device finished with the buffer");
        assertEquals(qp.queueDepth(), qp.freeSlotCount(), context());
    }

    @Test
    void shouldStopRetryingAfterTheBoundAndReportTheLastStatus() {
        qp.retryPolicy(RetryPolicy.exponential(2, 0, 0));
        device.faults().failNext(NvmeOpcodes.WRITE, 5, NvmeStatus.INTERNAL_ERROR);
        qp.prepareWrite(1, block(1, 1), 0, BLOCK, deadline());
        qp.submit();
        h.pollUntil(qp, 1);
        assertEquals(IoStatus.IO_ERROR, h.get(1).status(), context());
        assertEquals(2, qp.metrics().retries(), context() + ": bounded to two retries");
        assertEquals(3, qp.metrics().commandsSubmitted(), context());
    }

    @Test
    void shouldTimeOutAHeldCommandAndKeepItsBufferFencedUntilTheLateCompletion() {
        write(1, block(1, 0x44), 0);
        device.faults().holdNext(NvmeOpcodes.READ, 1);
        MemorySegment buffer = block(1, 0);
        qp.prepareRead(2, buffer, 0, BLOCK, clock.nanoTime() + MS);
        qp.submit();
        h.pollTimes(qp, 10);
        assertFalse(h.byTag.containsKey(2L), context() + ": held, and not yet past its deadline");
        clock.advanceNanos(2 * MS);
        h.pollTimes(qp, 1);
        assertEquals(IoStatus.TIMEOUT, h.get(2).status(), context() + ": timed out at the first poll after the deadline");
        assertEquals(1, h.timedOutTags.size(), context());
        assertEquals(1, device.abortRequestCount(), context() + ": cancellation was attempted");
        assertTrue(qp.isFenced(2), context());
        assertEquals(1, qp.fencedCount(), context());
        assertEquals(7, qp.freeSlotCount(), context() + ": the fenced command keeps its slot");
        assertArrayEquals(new byte[BLOCK], buffer.toArray(ValueLayout.JAVA_BYTE), context());

        // Other commands go on around the fenced one.
        write(3, block(1, 0x55), BLOCK);
        assertTrue(qp.isFenced(2), context());

        device.faults().releaseHeld();
        h.pollTimes(qp, 5);
        assertEquals(java.util.List.of(2L), h.fenceReleasedTags, context());
        assertFalse(qp.isFenced(2), context());
        assertEquals(0, qp.fencedCount(), context());
        assertEquals(8, qp.freeSlotCount(), context());
        assertEquals(3, h.completions.size(), context() + ": the late completion is not delivered a second time");
        assertEquals(IoStatus.TIMEOUT, h.get(2).status(), context());
        // The device did write into the buffer after the timeout: exactly why it had to stay fenced.
        assertArrayEquals(filled(BLOCK, 0x44), buffer.toArray(ValueLayout.JAVA_BYTE), context());
    }

    @Test
    void shouldTimeOutACommandWhoseCompletionIsLostAndKeepItFenced() {
        device.faults().loseCompletionOfNext(NvmeOpcodes.WRITE, 1);
        qp.prepareWrite(1, block(1, 0x66), 0, BLOCK, clock.nanoTime() + MS);
        qp.submit();
        h.pollTimes(qp, 10);
        clock.advanceNanos(2 * MS);
        h.pollTimes(qp, 10);
        assertEquals(IoStatus.TIMEOUT, h.get(1).status(), context());
        assertTrue(qp.isFenced(1), context() + ": no completion ever came, so the buffer stays fenced");
        write(2, block(1, 0x77), BLOCK);
        h.pollTimes(qp, 10);
        assertTrue(qp.isFenced(1), context());
        assertEquals(0, qp.metrics().unmappedCompletions(), context());
    }

    @Test
    void shouldReleaseTheFenceWhenADelayedCompletionArrivesAfterTheDeadline() {
        device.faults().delayNext(NvmeOpcodes.WRITE, 1, 20);
        qp.prepareWrite(1, block(1, 0x12), 0, BLOCK, clock.nanoTime() + MS);
        qp.submit();
        clock.advanceNanos(2 * MS);
        h.pollTimes(qp, 1);
        assertEquals(IoStatus.TIMEOUT, h.get(1).status(), context());
        assertTrue(qp.isFenced(1), context());
        h.pollTimes(qp, 30);
        assertFalse(qp.isFenced(1), context());
        assertEquals(1, qp.metrics().fencesReleased(), context());
        assertEquals(1, h.completions.size(), context());
        assertArrayEquals(filled(BLOCK, 0x12), read(2, 0, BLOCK), context() + ": the late write did land");
    }

    @Test
    void shouldCountADuplicateCompletionAndLeaveOtherCommandsIntact() {
        device.faults().duplicateCompletionOfNext(NvmeOpcodes.WRITE, 1);
        for (int i = 0; i < 8; i++) {
            qp.prepareWrite(i, block(1, i), (long) i * BLOCK, BLOCK, deadline());
        }
        qp.submit();
        h.pollUntil(qp, 8);
        h.pollTimes(qp, 5);
        assertEquals(8, h.completions.size(), context() + ": each command completes exactly once");
        for (int i = 0; i < 8; i++) {
            assertEquals(IoStatus.OK, h.get(i).status(), context());
        }
        assertEquals(1, qp.metrics().duplicateCompletions(), context());
        assertEquals(1, h.duplicateCids.size(), context());
        assertEquals(0, qp.metrics().unmappedCompletions(), context());
        for (int i = 0; i < 8; i++) {
            assertArrayEquals(filled(BLOCK, i), read(100 + i, (long) i * BLOCK, BLOCK), context());
        }
    }

    @Test
    void shouldReportASpuriousCompletionAsUnmappedAndCompleteNothing() {
        device.faults().holdNext(NvmeOpcodes.WRITE, 2);
        qp.prepareWrite(1, block(1, 1), 0, BLOCK, deadline());
        qp.prepareWrite(2, block(1, 2), BLOCK, BLOCK, deadline());
        qp.submit();
        // Slot 0 holds command 1 in generation 1; this cid names slot 0 in generation 5, and one names no slot.
        int slotBits = 3;
        device.faults().spuriousCompletion(qp.id(), 5 << slotBits, NvmeStatus.SUCCESS);
        device.faults().spuriousCompletion(qp.id(), 0xffff, NvmeStatus.SUCCESS);
        device.faults().spuriousCompletion(qp.id(), 7, NvmeStatus.SUCCESS);  // slot 7, never used
        device.faults().spuriousCompletion(qp.id(), 0, NvmeStatus.SUCCESS);  // slot 0, generation 0: before its use
        h.pollTimes(qp, 3);
        assertEquals(0, h.completions.size(), context() + ": a spurious completion completes nothing");
        assertEquals(4, qp.metrics().unmappedCompletions(), context());
        assertEquals(0, qp.metrics().duplicateCompletions(), context());
        assertEquals(java.util.List.of(5 << slotBits, 0xffff, 7, 0), h.unmappedCids, context());
        assertEquals(2, qp.inFlightCount(), context());
        device.faults().releaseHeld();
        h.pollUntil(qp, 2);
        assertEquals(IoStatus.OK, h.get(1).status(), context());
        assertEquals(IoStatus.OK, h.get(2).status(), context());
        assertArrayEquals(filled(BLOCK, 1), read(3, 0, BLOCK), context());
    }

    @Test
    void shouldReportAShortTransferAndRetryItByDefault() {
        write(1, block(2, 0x21), 0);
        qp.retryPolicy(RetryPolicy.NONE);
        device.faults().shortTransferNext(NvmeOpcodes.READ, 1, BLOCK);
        MemorySegment b = block(2, 0);
        qp.prepareRead(2, b, 0, 2 * BLOCK, deadline());
        qp.submit();
        h.pollUntil(qp, 2);
        assertEquals(IoStatus.SHORT_TRANSFER, h.get(2).status(), context());
        assertEquals(BLOCK, h.get(2).transferredBytes(), context());
        byte[] bytes = b.toArray(ValueLayout.JAVA_BYTE);
        assertArrayEquals(filled(BLOCK, 0x21), Arrays.copyOfRange(bytes, 0, BLOCK), context());
        assertArrayEquals(new byte[BLOCK], Arrays.copyOfRange(bytes, BLOCK, 2 * BLOCK), context());

        qp.retryPolicy(RetryPolicy.exponential(3, 0, 0));
        device.faults().shortTransferNext(NvmeOpcodes.READ, 1, BLOCK);
        b.fill((byte) 0);
        qp.prepareRead(3, b, 0, 2 * BLOCK, deadline());
        qp.submit();
        h.pollUntil(qp, 3);
        assertEquals(IoStatus.OK, h.get(3).status(), context());
        assertEquals(2 * BLOCK, h.get(3).transferredBytes(), context());
        assertEquals(1, qp.metrics().retries(), context());
    }

    @Test
    void shouldTearAWriteSilentlyAtTheBlockBoundary() {
        write(1, block(4, 0xaa), 0);
        device.faults().tearNextWrite(1, BLOCK + 100);  // rounded down to one block
        write(2, block(4, 0xbb), 0);
        assertEquals(IoStatus.OK, h.get(2).status(), context() + ": a torn write still reports success");
        byte[] bytes = read(3, 0, 4 * BLOCK);
        assertArrayEquals(filled(BLOCK, 0xbb), Arrays.copyOfRange(bytes, 0, BLOCK), context());
        assertArrayEquals(filled(3 * BLOCK, 0xaa), Arrays.copyOfRange(bytes, BLOCK, 4 * BLOCK), context());
    }

    @Test
    void shouldLoseExactlyTheUnflushedWritesOnPowerFailure() {
        for (int i = 0; i < 10; i++) {
            write(i, block(1, 0xa0 + i), (long) i * BLOCK);
        }
        flush(100);
        assertEquals(0, device.dirtyBlockCount(), context());
        for (int i = 0; i < 5; i++) {
            write(200 + i, block(1, 0xb0 + i), (long) i * BLOCK);        // overwrites of flushed blocks
            write(300 + i, block(1, 0xc0 + i), (long) (10 + i) * BLOCK); // new blocks
        }
        // Completed but unflushed: visible to reads now.
        assertArrayEquals(filled(BLOCK, 0xb0), read(400, 0, BLOCK), context());
        assertEquals(10, device.dirtyBlockCount(), context());

        assertEquals(10, device.powerFail(), context() + ": exactly the ten unflushed blocks are lost");
        for (int i = 0; i < 10; i++) {
            assertArrayEquals(filled(BLOCK, 0xa0 + i), read(500 + i, (long) i * BLOCK, BLOCK),
                    context() + ": flushed block " + i + " survives with its flushed content");
        }
        for (int i = 10; i < 15; i++) {
            assertArrayEquals(new byte[BLOCK], read(600 + i, (long) i * BLOCK, BLOCK),
                    context() + ": unflushed block " + i + " is gone");
        }
    }

    @Test
    void shouldAbortCommandsInFlightAtAPowerFailureWithoutRunningThem() {
        qp.retryPolicy(RetryPolicy.NONE);
        device.faults().holdNext(NvmeOpcodes.WRITE, 1);
        qp.prepareWrite(1, block(1, 0x99), 0, BLOCK, deadline());
        qp.submit();
        h.pollTimes(qp, 2);
        device.powerFail();
        h.pollUntil(qp, 1);
        assertEquals(IoStatus.ABORTED, h.get(1).status(), context());
        assertEquals(0x05, StatusDetail.nvmeStatusCode(h.get(1).detail()), context());
        byte[] durable = new byte[BLOCK];
        device.readDurable(0, durable);
        assertArrayEquals(new byte[BLOCK], durable, context());
        assertArrayEquals(new byte[BLOCK], read(2, 0, BLOCK), context());
    }

    @Test
    void shouldCompleteInTheSameOrderForTheSameSeed() throws IOException {
        long[] first = runOutOfOrderWorkload(seed);
        long[] second = runOutOfOrderWorkload(seed);
        assertArrayEquals(first, second, context() + ": a run must be a function of its seed");
    }

    private long[] runOutOfOrderWorkload(long workloadSeed) throws IOException {
        try (SimulatedNvmeDevice d = SimulatedNvmeDevice.builder().seed(workloadSeed)
                .latency(LatencyModel.uniformTicks(0, 7)).capacityBytes(1 << 20).build();
             Arena a = Arena.ofConfined()) {
            QueuePair q = d.openQueuePair(16);
            RecordingHandler r = new RecordingHandler("seed=" + workloadSeed);
            MemorySegment b = a.allocate(16L * BLOCK, BLOCK);
            for (int round = 0; round < 4; round++) {
                for (int i = 0; i < 16; i++) {
                    q.prepareRead(round * 16L + i, b.asSlice((long) i * BLOCK, BLOCK), (long) i * BLOCK, BLOCK,
                            QueuePair.NO_DEADLINE);
                }
                q.submit();
                r.pollUntil(q, (round + 1) * 16);
            }
            q.close();
            return r.completions.stream().mapToLong(RecordingHandler.Completion::tag).toArray();
        }
    }

    @Test
    void shouldReleaseTheFenceAtOnceWhenTheDeviceHonoursTheAbort() throws IOException {
        try (SimulatedNvmeDevice d = SimulatedNvmeDevice.builder().capacityBytes(1 << 20).seed(seed)
                .latency(LatencyModel.IMMEDIATE).honourAborts(true).clock(clock).build()) {
            QueuePair q = d.openQueuePair(4);
            RecordingHandler r = new RecordingHandler(context());
            q.listener(r);
            d.faults().delayNext(NvmeOpcodes.READ, 1, 1_000);
            q.prepareRead(1, block(1, 0), 0, BLOCK, clock.nanoTime() + MS);
            q.submit();
            clock.advanceNanos(2 * MS);
            r.pollTimes(q, 1);
            assertEquals(IoStatus.TIMEOUT, r.get(1).status(), context());
            assertTrue(q.isFenced(1), context() + ": fenced until the abort's completion arrives");
            r.pollTimes(q, 2);
            assertFalse(q.isFenced(1), context() + ": the aborted command's completion released the fence");
            assertEquals(1, d.abortRequestCount(), context());
            assertEquals(1, r.completions.size(), context());
            q.close();
        }
    }

    @Test
    void shouldRejectAnImpossibleDeviceConfiguration() {
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> SimulatedNvmeDevice.builder().logicalBlockSizeBytes(1000).build());
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> SimulatedNvmeDevice.builder().capacityBytes(4097).build());
        assertTrue(e.getMessage().contains("capacityBytes=4097"), e.getMessage());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> device.faults().failNext(NvmeOpcodes.READ, 0, NvmeStatus.INTERNAL_ERROR));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> device.faults().failNext(0x55, 1, NvmeStatus.INTERNAL_ERROR));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> device.faults().failNext(NvmeOpcodes.READ, 1, NvmeStatus.SUCCESS));
    }

    @Test
    void shouldSurfaceAFailedFlushWithoutRetryingIt() {
        qp.retryPolicy(RetryPolicy.exponential(5, 0, 0));
        write(1, block(1, 0x31), 0);
        device.faults().failNext(NvmeOpcodes.FLUSH, 1, NvmeStatus.INTERNAL_ERROR);
        qp.prepareFlush(2, deadline());
        qp.submit();
        h.pollUntil(qp, 2);
        assertEquals(IoStatus.IO_ERROR, h.get(2).status(), context());
        assertEquals(0, qp.metrics().retries(), context() + ": a failed flush is never retried (fsyncgate)");
        assertEquals(1, device.dirtyBlockCount(), context() + ": the failed flush made nothing durable");
    }

    @Test
    void shouldAnswerAHeldCommandReleasedByAnotherThreadOnceItsInjectionIsCounted() throws InterruptedException {
        qp.retryPolicy(RetryPolicy.NONE);
        for (int round = 0; round < 300; round++) {
            int before = device.faults().injectedCount();
            device.faults().holdNext(NvmeOpcodes.WRITE, 1);
            // a test thread that sees the hold counted and releases at once, racing the fetch on the owner thread
            Thread releaser = Thread.ofPlatform().start(() -> {
                while (device.faults().injectedCount() == before) {
                    Thread.onSpinWait();
                }
                device.faults().releaseHeld();
            });
            qp.prepareWrite(round, block(1, round), 0, BLOCK, QueuePair.NO_DEADLINE);
            qp.submit();
            releaser.join();
            h.pollTimes(qp, 10);  // latency of at most 2 polls: due by now
            assertTrue(h.byTag.containsKey((long) round), context() + ": round " + round
                    + ": the write held and released after its injection was counted was never answered");
        }
    }

    @Test
    void shouldNotLetAStaleCompletionCompleteTheCommandNowInItsSlot() {
        int slotBits = 3;  // queue depth 8
        write(1, block(1, 0x41), 0);               // slot 0, generation 1
        int staleCid = 1 << slotBits;
        device.faults().holdNext(NvmeOpcodes.WRITE, 1);
        qp.prepareWrite(2, block(1, 0x42), 0, BLOCK, deadline());  // slot 0 again, generation 2
        qp.submit();
        device.faults().spuriousCompletion(qp.id(), staleCid, NvmeStatus.SUCCESS);  // a late repeat of command 1
        h.pollTimes(qp, 3);
        assertFalse(h.byTag.containsKey(2L), context() + ": the stale completion must not complete command 2");
        assertEquals(1, qp.metrics().duplicateCompletions(), context());
        assertEquals(java.util.List.of(staleCid), h.duplicateCids, context());
        device.faults().releaseHeld();
        h.pollUntil(qp, 2);
        assertEquals(IoStatus.OK, h.get(2).status(), context());
        assertArrayEquals(filled(BLOCK, 0x42), read(3, 0, BLOCK), context());
    }
}

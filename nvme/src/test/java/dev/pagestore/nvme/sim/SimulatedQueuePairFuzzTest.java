package dev.pagestore.nvme.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.nvme.CompletionHandler;
import dev.pagestore.nvme.IoStatus;
import dev.pagestore.nvme.QueuePair;
import dev.pagestore.nvme.QueuePairListener;
import dev.pagestore.nvme.RetryPolicy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Random traffic with random faults against one simulated queue pair, checked against what must hold whatever
 * happens: every command completes to its caller exactly once; unmapped and duplicate completions are exactly the
 * injected spurious and duplicate ones; a fenced buffer is never handed back before its fence is released; every read
 * that succeeds returns a block that some write put there (or zeroes). Deterministic for the seed
 * ({@code -Dpagestore.test.seed=...}); {@code -Dpagestore.nvme.fuzzSteps=...} runs longer.
 */
class SimulatedQueuePairFuzzTest {
    private static final int BLOCK = 4096;
    private static final int BLOCKS = 32;
    private static final int DEPTH = 12;  // slots 12..15 of the 4 slot bits name no slot: safe spurious ids
    private static final long MS = 1_000_000L;

    private final long seed = Long.getLong("pagestore.test.seed", System.nanoTime());

    @Test
    void shouldKeepEveryInvariantUnderRandomFaults() throws Exception {
        try {
            run();
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError("seed=" + seed + ": " + e, e);
        }
    }

    private void run() throws Exception {
        int steps = Integer.getInteger("pagestore.nvme.fuzzSteps", 4000);
        SplittableRandom random = new SplittableRandom(seed);
        ManualClock clock = new ManualClock();
        String context = "seed=" + seed;
        try (SimulatedNvmeDevice device = SimulatedNvmeDevice.builder().capacityBytes((long) BLOCKS * BLOCK)
                .seed(seed).latency(LatencyModel.uniformTicks(0, 4)).clock(clock).build();
             Arena arena = Arena.ofConfined()) {
            QueuePair qp = device.openQueuePair(DEPTH);
            qp.retryPolicy(RetryPolicy.exponential(2, MS / 10, MS));

            ArrayDeque<MemorySegment> freeBuffers = new ArrayDeque<>();
            for (int i = 0; i < 3 * DEPTH; i++) {
                freeBuffers.add(arena.allocate(BLOCK, BLOCK));
            }
            Map<Long, MemorySegment> bufferOf = new HashMap<>();
            Map<Long, Integer> blockOf = new HashMap<>();
            Set<Long> isRead = new HashSet<>();
            Set<Long> completed = new HashSet<>();
            Set<Long> fenced = new HashSet<>();
            Map<Integer, Set<Long>> writtenStamps = new HashMap<>();
            int[] spurious = new int[1];
            int[] lost = new int[1];
            int[] readsChecked = new int[1];

            CompletionHandler handler = (tag, status, bytes, detail) -> {
                if (!completed.add(tag)) {
                    throw new AssertionError(context + ": tag " + tag + " completed twice");
                }
                if (status == IoStatus.TIMEOUT && qp.isFenced(tag)) {
                    fenced.add(tag);  // buffer stays with the device until the fence is released
                    return;
                }
                MemorySegment buffer = bufferOf.remove(tag);
                if (isRead.contains(tag) && status == IoStatus.OK) {
                    checkBlock(buffer, writtenStamps.getOrDefault(blockOf.get(tag), Set.of()), context, tag);
                    readsChecked[0]++;
                }
                freeBuffers.add(buffer);
            };
            qp.listener(new QueuePairListener() {
                @Override
                public void onFenceReleased(int queuePairId, int cid, long tag, IoStatus status) {
                    assertTrue(fenced.remove(tag), context + ": fence released for " + tag + " never fenced");
                    freeBuffers.add(bufferOf.remove(tag));
                }
            });

            long nextTag = 1;
            for (int step = 0; step < steps; step++) {
                int action = random.nextInt(100);
                if (action < 40 && !freeBuffers.isEmpty() && qp.freeSlotCount() > 0) {
                    long tag = nextTag++;
                    int block = random.nextInt(BLOCKS);
                    MemorySegment buffer = freeBuffers.poll();
                    bufferOf.put(tag, buffer);
                    blockOf.put(tag, block);
                    long deadline = clock.nanoTime() + (1 + random.nextInt(5)) * MS;
                    if (random.nextBoolean()) {
                        isRead.add(tag);
                        buffer.fill((byte) 0x5a);
                        assertTrue(qp.prepareRead(tag, buffer, (long) block * BLOCK, BLOCK, deadline), context);
                    } else {
                        stamp(buffer, tag);
                        writtenStamps.computeIfAbsent(block, b -> new HashSet<>()).add(tag);
                        assertTrue(qp.prepareWrite(tag, buffer, (long) block * BLOCK, BLOCK, deadline), context);
                    }
                } else if (action < 55) {
                    qp.submit();
                } else if (action < 80) {
                    qp.poll(1 + random.nextInt(8), handler);
                } else if (action < 90) {
                    clock.advanceNanos(random.nextLong(MS / 2));
                } else {
                    injectFault(device, qp, random, spurious, lost);
                }
            }
            // Wind down: let every planned spurious completion be posted (clear() would drop the ones a full CQ
            // deferred, and they are counted above), then release and clear every fault, then drain.
            for (int i = 0; i < 10_000 && device.faults().pendingSpuriousCount() > 0; i++) {
                qp.poll(16, handler);
                clock.advanceNanos(MS / 10);
            }
            assertEquals(0, device.faults().pendingSpuriousCount(), context + ": spurious completions never posted");
            device.faults().clear();
            device.faults().releaseHeld();
            qp.submit();
            for (int i = 0; i < 10_000 && (qp.inFlightCount() > 0 || qp.fencedCount() > lost[0]); i++) {
                qp.poll(16, handler);
                clock.advanceNanos(MS / 10);
            }
            String state = context + " " + qp + " " + qp.metrics() + " faults " + device.faults().injectedCount()
                    + " reads checked " + readsChecked[0];
            System.out.println("[fuzz] " + state);
            assertEquals(0, qp.inFlightCount(), state);
            assertEquals(nextTag - 1, completed.size(), state + ": every command completed exactly once");
            assertEquals(spurious[0], qp.metrics().unmappedCompletions(), state);
            assertEquals(device.faults().injectedCount(FaultInjector.Kind.DUPLICATE_COMPLETION),
                    qp.metrics().duplicateCompletions(), state);
            assertTrue(qp.fencedCount() <= lost[0], state + ": only lost completions may stay fenced");
            assertTrue(qp.metrics().fencesReleased() + qp.fencedCount() <= qp.metrics().timeouts(),
                    state + ": every fence comes from a timeout");
            assertTrue(fenced.size() == qp.fencedCount(), state + ": the caller's view of fences matches");
            assertTrue(readsChecked[0] > 0, state);
            qp.close(CompletionHandler.DISCARD, 0);
        }
    }

    private static void injectFault(SimulatedNvmeDevice device, QueuePair qp, SplittableRandom random,
            int[] spurious, int[] lost) {
        FaultInjector faults = device.faults();
        int opcode = random.nextBoolean() ? NvmeOpcodes.READ : NvmeOpcodes.WRITE;
        switch (random.nextInt(9)) {
            case 0 -> faults.failNext(opcode, 1, NvmeStatus.DATA_TRANSFER_ERROR);
            case 1 -> faults.failNext(opcode, 1, NvmeStatus.withDoNotRetry(NvmeStatus.UNRECOVERED_READ_ERROR));
            case 2 -> faults.delayNext(opcode, 1, 1 + random.nextInt(30));
            case 3 -> faults.duplicateCompletionOfNext(opcode, 1);
            case 4 -> {
                faults.spuriousCompletion(qp.id(), random.nextInt(1 << 12) << 4 | (DEPTH + random.nextInt(4)),
                        NvmeStatus.SUCCESS);
                spurious[0]++;
            }
            case 5 -> faults.shortTransferNext(opcode, 1, random.nextInt(BLOCK / 512) * 512);
            case 6 -> faults.holdNext(opcode, 1);
            case 7 -> faults.releaseHeld();
            default -> {
                if (lost[0] < 3) {
                    faults.loseCompletionOfNext(opcode, 1);
                    lost[0]++;  // an upper bound: the rule may go unused
                }
            }
        }
    }

    private static void stamp(MemorySegment buffer, long tag) {
        for (long i = 0; i < BLOCK; i += 8) {
            buffer.set(ValueLayout.JAVA_LONG_UNALIGNED, i, tag * 31 + i);
        }
    }

    /** The block must be all zeroes or exactly one written stamp: never a mix, never a stranger's data. */
    private static void checkBlock(MemorySegment buffer, Set<Long> written, String context, long readTag) {
        long first = buffer.get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
        if (first == 0) {
            for (long i = 0; i < BLOCK; i += 8) {
                assertEquals(0, buffer.get(ValueLayout.JAVA_LONG_UNALIGNED, i), context + ": read " + readTag);
            }
            return;
        }
        long tag = first / 31;
        assertTrue(written.contains(tag), context + ": read " + readTag + " returned data of write " + tag
                + " which never targeted this block");
        for (long i = 0; i < BLOCK; i += 8) {
            assertEquals(tag * 31 + i, buffer.get(ValueLayout.JAVA_LONG_UNALIGNED, i),
                    context + ": read " + readTag + " returned a mixed block at byte " + i);
        }
    }
}

package dev.pagestore.nvme.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.nvme.CompletionHandler;
import dev.pagestore.nvme.IoStatus;
import dev.pagestore.nvme.QueuePair;
import dev.pagestore.nvme.QueuePairListener;
import dev.pagestore.nvme.QueuePairOwnershipException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The seed problem (SPDK issues 3187, 3557): one queue pair driven by two threads ends in
 * {@code cpl does not map to outstanding cmd}. With the ownership check off (the test-only switch) the torn queue
 * state is detected and counted; with it on, the second thread is refused at its first call.
 */
class SeedProblemDemonstrationTest {
    private static final String TEST_ONLY_PROPERTY = "pagestore.nvme.testOnly.allowUnownedQueuePairs";
    private static final int BLOCK = 4096;
    private static final long RUN_LIMIT_NANOS = 20_000_000_000L;
    private static final long OPS_LIMIT = 5_000_000;

    private final long seed = Long.getLong("pagestore.test.seed", System.nanoTime());

    @BeforeAll
    static void allowTheTestOnlySwitch() {
        System.setProperty(TEST_ONLY_PROPERTY, "true");
    }

    @AfterAll
    static void clearTheTestOnlySwitch() {
        System.clearProperty(TEST_ONLY_PROPERTY);
    }

    @Test
    void shouldRefuseTheSecondThreadAtItsFirstCallWhenTheCheckIsOn() throws Exception {
        try (SimulatedNvmeDevice device = SimulatedNvmeDevice.inMemory(1 << 20, seed);
             Arena arena = Arena.ofShared()) {
            QueuePair qp = device.openQueuePair(8);
            MemorySegment buffer = arena.allocate(BLOCK, BLOCK);
            AtomicReference<Throwable> refused = new AtomicReference<>();
            AtomicLong callsMade = new AtomicLong();
            Thread second = new Thread(() -> {
                try {
                    callsMade.incrementAndGet();
                    qp.prepareWrite(1, buffer, 0, BLOCK, QueuePair.NO_DEADLINE);
                    callsMade.incrementAndGet();  // never reached
                    qp.submit();
                } catch (Throwable t) {
                    refused.set(t);
                }
            }, "second-submitter");
            second.start();
            second.join();
            assertTrue(refused.get() instanceof QueuePairOwnershipException, "seed=" + seed + ": " + refused.get());
            assertEquals(1, callsMade.get(), "refused at its first call");
            String message = refused.get().getMessage();
            assertTrue(message.contains("'second-submitter'"), message);
            assertTrue(message.contains("'" + Thread.currentThread().getName() + "'"), message);
            assertEquals(0, qp.preparedCount(), "nothing reached the queue");
            qp.close();
            assertEquals(0, qp.metrics().unmappedCompletions());
        }
    }

    @Test
    void shouldRefuseToDisableTheCheckOutsideTests() throws Exception {
        System.clearProperty(TEST_ONLY_PROPERTY);
        try (SimulatedNvmeDevice device = SimulatedNvmeDevice.inMemory(1 << 20, seed)) {
            QueuePair qp = device.openQueuePair(2);
            IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                    qp::disableOwnershipCheckForTesting);
            assertTrue(e.getMessage().contains(TEST_ONLY_PROPERTY), e.getMessage());
            qp.close();
        } finally {
            System.setProperty(TEST_ONLY_PROPERTY, "true");
        }
    }

    /**
     * Two threads submit and poll on one queue pair with the check off. A round ends when the detector fires or the
     * command table is so torn that its invariants fail (an AssertionError under -ea); a torn queue pair is then
     * abandoned and a fresh one started, until unmapped completions have been seen or the bounds run out.
     */
    @Test
    void shouldDetectTornQueueStateWhenTwoThreadsShareAQueuePairWithTheCheckOff() throws Exception {
        try (SimulatedNvmeDevice device = SimulatedNvmeDevice.builder().capacityBytes(1 << 20).seed(seed)
                .latency(LatencyModel.uniformTicks(0, 3)).build();
             Arena arena = Arena.ofShared()) {
            List<String> unmappedEvents = Collections.synchronizedList(new ArrayList<>());
            QueuePairListener listener = new QueuePairListener() {
                @Override
                public void onUnmappedCompletion(int queuePairId, int cid, IoStatus status, int detail) {
                    if (unmappedEvents.size() < 5) {
                        unmappedEvents.add("cpl does not map to outstanding cmd: qp " + queuePairId + " cid " + cid
                                + " status " + status);
                    }
                }
            };
            AtomicLong completedTwice = new AtomicLong();
            AtomicLong tornExceptions = new AtomicLong();
            List<String> tornSamples = Collections.synchronizedList(new ArrayList<>());
            AtomicLong ops = new AtomicLong();
            long unmapped = 0;
            long duplicates = 0;
            int rounds = 0;
            long end = System.nanoTime() + RUN_LIMIT_NANOS;
            while (unmapped == 0 && ops.get() < OPS_LIMIT && System.nanoTime() < end) {
                rounds++;
                QueuePair qp = device.openQueuePair(16);
                qp.disableOwnershipCheckForTesting();
                qp.listener(listener);
                Set<Long> completedTags = ConcurrentHashMap.newKeySet();
                CompletionHandler handler = (tag, status, bytes, detail) -> {
                    if (!completedTags.add(tag)) {
                        completedTwice.incrementAndGet();
                    }
                };
                AtomicLong roundExceptions = new AtomicLong();
                AtomicBoolean stop = new AtomicBoolean();
                CountDownLatch start = new CountDownLatch(1);
                Runnable driver = () -> {
                    long id = Thread.currentThread().getName().endsWith("a") ? 1 : 2;
                    MemorySegment buffers = arena.allocate(4L * BLOCK, BLOCK);
                    try {
                        start.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    for (long i = 0; !stop.get(); i++) {
                        try {
                            long tag = id << 40 | i;
                            MemorySegment b = buffers.asSlice((i & 3) * BLOCK, BLOCK);
                            if (qp.prepareWrite(tag, b, (id * 64 + (i & 63)) * BLOCK, BLOCK, QueuePair.NO_DEADLINE)) {
                                qp.submit();
                            }
                            qp.poll(8, handler);
                        } catch (Throwable t) {  // AssertionError from -ea invariants, index errors: the table tore
                            roundExceptions.incrementAndGet();
                            if (tornExceptions.incrementAndGet() <= 3) {
                                tornSamples.add(Thread.currentThread().getName() + ": " + t);
                            }
                        }
                        long total = ops.incrementAndGet();
                        if (qp.metrics().unmappedCompletions() > 0 || roundExceptions.get() > 1000
                                || total > OPS_LIMIT || System.nanoTime() > end) {
                            stop.set(true);
                        }
                    }
                };
                Thread a = new Thread(driver, "submitter-a");
                Thread b = new Thread(driver, "submitter-b");
                a.start();
                b.start();
                start.countDown();
                a.join();
                b.join();
                unmapped += qp.metrics().unmappedCompletions();
                duplicates += qp.metrics().duplicateCompletions();
                try {
                    qp.close(CompletionHandler.DISCARD, 0);
                } catch (Throwable ignored) {
                    // the queue state is torn; the queue pair is abandoned
                }
            }
            String report = "seed=" + seed + " after " + ops.get() + " operations in " + rounds + " rounds: unmapped "
                    + "completions " + unmapped + ", duplicate completions " + duplicates + ", tags completed twice "
                    + completedTwice.get() + ", torn-state exceptions " + tornExceptions.get() + ", invalid doorbells "
                    + device.invalidDoorbellCount() + "; first events " + unmappedEvents + "; first exceptions "
                    + tornSamples;
            System.out.println("[seed problem demonstration] " + report);
            long detectedTotal = unmapped + duplicates + completedTwice.get() + tornExceptions.get()
                    + device.invalidDoorbellCount();
            assertTrue(detectedTotal > 0, "two threads on one queue pair went undetected: " + report);
        }
    }
}

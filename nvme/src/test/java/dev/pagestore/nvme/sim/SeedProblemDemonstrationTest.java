package dev.pagestore.nvme.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.nvme.CompletionHandler;
import dev.pagestore.nvme.IoStatus;
import dev.pagestore.nvme.QueuePair;
import dev.pagestore.nvme.QueuePairListener;
import dev.pagestore.ipc.owner.OwnerThreadException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The seed problem (SPDK issues 3187, 3557): one queue driven by two threads ends in
 * {@code cpl does not map to outstanding cmd}. A queue pair refuses the second thread at its first call. What that
 * check prevents is shown one layer down, where no check exists: two threads drive one controller queue, each
 * through its own host driver ({@link SharedControllerQueue}), and the torn queue state is detected and counted by
 * the queue pair's completion mapping.
 */
class SeedProblemDemonstrationTest {
    private static final int BLOCK = 4096;
    private static final int QUEUE_DEPTH = 16;
    private static final long RUN_LIMIT_NANOS = 20_000_000_000L;
    private static final long OPS_LIMIT = 5_000_000;

    private final long seed = Long.getLong("pagestore.test.seed", System.nanoTime());

    @Test
    void shouldRefuseTheSecondThreadAtItsFirstCall() throws Exception {
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
            assertTrue(refused.get() instanceof OwnerThreadException, "seed=" + seed + ": " + refused.get());
            assertEquals(1, callsMade.get(), "refused at its first call");
            String message = refused.get().getMessage();
            assertTrue(message.contains("'second-submitter'"), message);
            assertTrue(message.contains("'" + Thread.currentThread().getName() + "'"), message);
            assertEquals(0, qp.preparedCount(), "nothing reached the queue");
            qp.close();
            assertEquals(0, qp.metrics().unmappedCompletions());
        }
    }

    /**
     * Two threads drive one controller queue, each through its own host driver (command table, SQ tail, CQ head), as
     * two threads or processes that each believe they own the queue. A round ends when a driver's completion mapping
     * reports a completion that maps to nothing outstanding, or when the shared queue is so torn that the drivers keep
     * failing (a CQE check under -ea, a list or index error in the controller); a torn queue is then abandoned
     * and a fresh one started, until unmapped completions have been seen or the bounds run out.
     */
    @Test
    void shouldDetectTornQueueStateWhenTwoThreadsDriveOneQueueWithoutAnOwner() throws Exception {
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
            AtomicLong unmapped = new AtomicLong();
            AtomicLong duplicates = new AtomicLong();
            int rounds = 0;
            long end = System.nanoTime() + RUN_LIMIT_NANOS;
            while (unmapped.get() == 0 && ops.get() < OPS_LIMIT && System.nanoTime() < end) {
                rounds++;
                SharedControllerQueue queue = new SharedControllerQueue(device, arena, rounds, QUEUE_DEPTH);
                AtomicBoolean stop = new AtomicBoolean();
                CountDownLatch start = new CountDownLatch(1);
                Runnable driver = () -> {
                    long id = Thread.currentThread().getName().endsWith("a") ? 1 : 2;
                    QueuePair qp = queue.attachDriver();  // owned by this thread: every call passes the owner check
                    qp.listener(listener);
                    Set<Long> completedTags = new HashSet<>();
                    CompletionHandler handler = (tag, status, bytes, detail) -> {
                        if (!completedTags.add(tag)) {
                            completedTwice.incrementAndGet();
                        }
                    };
                    MemorySegment buffers = arena.allocate(4L * BLOCK, BLOCK);
                    long driverExceptions = 0;
                    try {
                        start.await();
                        for (long i = 0; !stop.get(); i++) {
                            try {
                                long tag = id << 40 | i;
                                MemorySegment b = buffers.asSlice((i & 3) * BLOCK, BLOCK);
                                if (qp.prepareWrite(tag, b, (id * 64 + (i & 63)) * BLOCK, BLOCK,
                                        QueuePair.NO_DEADLINE)) {
                                    qp.submit();
                                }
                                qp.poll(8, handler);
                            } catch (Throwable t) {  // a failed -ea CQE check, list or index errors: the controller tore
                                driverExceptions++;
                                if (tornExceptions.incrementAndGet() <= 3) {
                                    tornSamples.add(Thread.currentThread().getName() + ": " + t);
                                }
                            }
                            long total = ops.incrementAndGet();
                            if (qp.metrics().unmappedCompletions() > 0 || driverExceptions > 1000
                                    || total > OPS_LIMIT || System.nanoTime() > end) {
                                stop.set(true);
                            }
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } finally {
                        unmapped.addAndGet(qp.metrics().unmappedCompletions());
                        duplicates.addAndGet(qp.metrics().duplicateCompletions());
                        try {
                            qp.close(CompletionHandler.DISCARD, 0);
                        } catch (Throwable ignored) {
                            // the queue state is torn; the queue is abandoned
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
            }
            String report = "seed=" + seed + " after " + ops.get() + " operations in " + rounds + " rounds: unmapped "
                    + "completions " + unmapped.get() + ", duplicate completions " + duplicates.get() + ", tags "
                    + "completed twice " + completedTwice.get() + ", torn-state exceptions " + tornExceptions.get()
                    + ", invalid doorbells " + device.invalidDoorbellCount() + "; first events " + unmappedEvents
                    + "; first exceptions " + tornSamples;
            System.out.println("[seed problem demonstration] " + report);
            // Each driver's own state is intact, so the symptom must come out of the completion mapping itself.
            assertTrue(unmapped.get() > 0, "two threads on one queue went undetected: " + report);
        }
    }
}

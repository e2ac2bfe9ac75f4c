package dev.pagestore.ipc.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.pagestore.ipc.ring.CompletionDescriptor;
import dev.pagestore.ipc.ring.RequestDescriptor;
import dev.pagestore.ipc.ring.RingConsumer;
import dev.pagestore.ipc.ring.RingProducer;
import dev.pagestore.ipc.testing.ChildJvm;
import dev.pagestore.ipc.wait.WaitStrategy;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two real JVMs on one channel: the child is the worker, this JVM the manager.
 *
 * <p>The blocking stress runs 10^5 hand-offs in the suite; {@code -Dpagestore.stress=true} runs 10^6:
 * {@code ./mvnw -q -pl ipc -am verify -Dtest=CrossProcessChannelTest -Dsurefire.failIfNoSpecifiedTests=false
 * -Dpagestore.stress=true}.
 */
class CrossProcessChannelTest {
    private static final long STREAM_ENTRIES = 10_000_000L;
    private static final boolean STRESS = Boolean.getBoolean("pagestore.stress");
    private static final int PING_PONG_ROUNDS = STRESS ? 500_000 : 50_000;
    private static final long STALL_MILLIS = 10_000;

    private final String name = TestChannels.uniqueName("xproc");

    @AfterEach
    void removeFile() throws IOException {
        TestChannels.remove(name);
    }

    @Test
    void shouldMoveTenMillionRequestsBetweenProcessesWithNoneLostDuplicatedOrReordered() throws Exception {
        ChannelParameters parameters = new ChannelParameters(4096, 1024, 64, 16);
        try (Channel manager = Channel.create(TestChannels.SHM, name, parameters, WaitStrategy.blocking());
                ChildJvm worker = ChildJvm.start(RequestStreamWorker.class, name, Long.toString(STREAM_ENTRIES),
                        "20261125")) {
            assertEquals("attached", worker.awaitLine(Duration.ofSeconds(30)));
            RingConsumer requests = manager.requestConsumer();
            long start = System.nanoTime();
            long expected = 0;
            while (expected < STREAM_ENTRIES) {
                int ready = requests.awaitAvailable(256, System.nanoTime() + TimeUnit.SECONDS.toNanos(20));
                if (ready == 0) {
                    fail("stalled at entry " + expected + ": nothing published for 20 s; child alive="
                            + worker.process().isAlive() + "; " + requests);
                }
                for (int i = 0; i < ready; i++) {
                    String problem = StreamEntries.check(requests.segment(), requests.entryOffset(i), expected);
                    if (problem != null) {
                        fail(problem);
                    }
                    expected++;
                }
                requests.release(ready);
            }
            long elapsed = System.nanoTime() - start;
            String produced = worker.awaitLineStartingWith("produced", Duration.ofSeconds(30));
            assertTrue(produced.startsWith("produced " + STREAM_ENTRIES + " "), produced);
            assertEquals(0, worker.awaitExit(Duration.ofSeconds(30)), "worker exit code");
            assertEquals(0, requests.available(1), "no entry beyond the last one (no duplicates at the end)");
            System.out.printf("stream: %,d requests in %.2f s (%.1f M/s); consumer sleeps=%d wakes=%d; worker %s%n",
                    expected, elapsed / 1e9, expected * 1e3 / elapsed, requests.entriesWaitPoint().sleepCount(),
                    requests.producerWaitPoint().wakeCount(), produced);
        }
    }

    @Test
    void shouldCarryPageDataThroughSharedSlotsWithoutCopying() throws Exception {
        ChannelParameters parameters = new ChannelParameters(8192, 8, 8, 4);
        int writes = 2_000;
        try (Channel manager = Channel.create(TestChannels.SHM, name, parameters, WaitStrategy.blocking());
                ChildJvm worker = ChildJvm.start(PageWriteWorker.class, name, Integer.toString(writes))) {
            assertEquals("attached", worker.awaitLine(Duration.ofSeconds(30)));
            RingConsumer requests = manager.requestConsumer();
            RingProducer completions = manager.completionProducer();
            int handled = 0;
            while (handled < writes) {
                int ready = requests.awaitAvailable(8, System.nanoTime() + TimeUnit.SECONDS.toNanos(20));
                if (ready == 0) {
                    fail("stalled after " + handled + " writes; child alive=" + worker.process().isAlive());
                }
                assertEquals(ready, completions.claim(ready, System.nanoTime() + TimeUnit.SECONDS.toNanos(20)),
                        "the worker keeps at most slotCount writes outstanding, so completions always fit");
                for (int i = 0; i < ready; i++) {
                    long offset = requests.entryOffset(i);
                    assertEquals(RequestDescriptor.Violation.VALID, RequestDescriptor.validate(requests.segment(),
                            offset, parameters.slotCount(), 1, Long.MAX_VALUE));
                    long id = RequestDescriptor.requestId(requests.segment(), offset);
                    int slot = RequestDescriptor.bufferSlot(requests.segment(), offset);
                    assertEquals(handled, id, "request order");
                    assertEquals(RequestDescriptor.checksum(requests.segment(), offset),
                            PageWriteWorker.crc32c(manager.buffer(slot)), "page " + id + " in slot " + slot
                                    + " arrived intact");
                    CompletionDescriptor.write(completions.segment(), completions.entryOffset(i), id,
                            CompletionDescriptor.STATUS_OK, slot, parameters.pageSizeBytes());
                    handled++;
                }
                requests.release(ready);
                completions.publish(ready);
            }
            assertEquals("written " + writes, worker.awaitLineStartingWith("written", Duration.ofSeconds(30)));
            assertEquals(0, worker.awaitExit(Duration.ofSeconds(30)), "worker exit code");
        }
    }

    @Test
    void shouldHandOffThroughFutexSleepAndWakeWithoutAStall() throws Exception {
        ChannelParameters parameters = new ChannelParameters(4096, 16, 16, 1);
        WaitStrategy sleepAtOnce = WaitStrategy.blocking(0);
        try (Channel manager = Channel.create(TestChannels.SHM, name, parameters, sleepAtOnce);
                ChildJvm worker = ChildJvm.start(PingPongWorker.class, name, Integer.toString(PING_PONG_ROUNDS), "0",
                        Long.toString(STALL_MILLIS))) {
            assertEquals("attached", worker.awaitLine(Duration.ofSeconds(30)));
            RingConsumer requests = manager.requestConsumer();
            RingProducer completions = manager.completionProducer();
            long stallNanos = TimeUnit.MILLISECONDS.toNanos(STALL_MILLIS);
            long start = System.nanoTime();
            for (int round = 0; round < PING_PONG_ROUNDS; round++) {
                if (requests.awaitAvailable(1, System.nanoTime() + stallNanos) != 1) {
                    fail("stalled: no request in round " + round + " within " + STALL_MILLIS + " ms; child alive="
                            + worker.process().isAlive());
                }
                long id = RequestDescriptor.requestId(requests.segment(), requests.entryOffset(0));
                assertEquals(round, id, "request order");
                requests.release(1);
                if (completions.claim(1, System.nanoTime() + stallNanos) != 1) {
                    fail("stalled: completion ring full in round " + round);
                }
                CompletionDescriptor.write(completions.segment(), completions.entryOffset(0), id,
                        CompletionDescriptor.STATUS_OK, -1, 3L * round);
                // Publish only once the worker has announced that it waits: every hand-off crosses the sleep path.
                if (!PingPongWorker.awaitFlag(completions.consumerWaitPoint(), System.nanoTime() + stallNanos)) {
                    fail("stalled: the worker never announced waiting for completion " + round);
                }
                completions.publish(1);
            }
            String done = worker.awaitLineStartingWith("done", Duration.ofSeconds(60));
            long elapsed = System.nanoTime() - start;
            assertEquals(0, worker.awaitExit(Duration.ofSeconds(30)), "worker exit code");
            long handOffs = 2L * PING_PONG_ROUNDS;
            long managerSleeps = requests.entriesWaitPoint().sleepCount() + completions.spaceWaitPoint().sleepCount();
            long managerWakes = completions.consumerWaitPoint().wakeCount() + requests.producerWaitPoint().wakeCount();
            long workerSleeps = Long.parseLong(done.replaceAll(".*sleeps=(\\d+).*", "$1"));
            long workerWakes = Long.parseLong(done.replaceAll(".*wakes=(\\d+).*", "$1"));
            System.out.printf("ping-pong: %,d hand-offs in %.2f s (%.1f us each); sleeps manager=%d worker=%d;"
                    + " wakes manager=%d worker=%d%n", handOffs, elapsed / 1e9, elapsed / 1e3 / handOffs,
                    managerSleeps, workerSleeps, managerWakes, workerWakes);
            // Each side publishes only after the waiter raised its flag, and lowers nothing but its own flag, so the
            // publisher finds the flag up and issues a futex wake on (nearly) every hand-off; a spurious futex return
            // can lower the flag for an instant, hence the 90% bound rather than equality.
            assertTrue(managerWakes + workerWakes >= handOffs * 9 / 10,
                    "expected a futex wake per hand-off, got " + (managerWakes + workerWakes) + " for " + handOffs);
            assertTrue(managerSleeps + workerSleeps > 0, "the waiters entered futex wait");
        }
    }
}

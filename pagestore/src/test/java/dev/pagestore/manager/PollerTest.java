package dev.pagestore.manager;

import static dev.pagestore.manager.PageStoreManagerTest.page;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.client.ClientOptions;
import dev.pagestore.client.ErrorCode;
import dev.pagestore.client.PageStoreClient;
import dev.pagestore.client.Poller;
import dev.pagestore.nvme.sim.NvmeOpcodes;
import dev.pagestore.nvme.sim.SimulatedNvmeDevice;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Submit-and-poll for owners that drive their own loop: tags come back with their outcomes, nothing is lost. */
class PollerTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @TempDir
    Path directory;

    private ManagerConfig config() {
        return ManagerConfig.defaults(directory).withCapacityPages(1024).withCheckpointIntervalMillis(0);
    }

    @Test
    void shouldHandBackEveryTagWithItsPageFromPlatformAndVirtualPollersBesideFutures() throws Exception {
        try (PageStoreManager manager = PageStoreManager.start(config());
                PageStoreClient client = PageStoreClient.attach(directory, ClientOptions.defaults()
                        .withRingCapacity(16))) {
            List<Future<?>> loops = new ArrayList<>();
            try (ExecutorService platform = Executors.newFixedThreadPool(2);
                    ExecutorService virtual = Executors.newVirtualThreadPerTaskExecutor()) {
                loops.add(platform.submit(() -> ownLoop(client, 0)));
                loops.add(virtual.submit(() -> ownLoop(client, 1)));
                loops.add(platform.submit(() -> {  // futures on the same ring, answered by the completion thread
                    for (int i = 0; i < 300; i++) {
                        long p = 900 + i % 10;
                        byte[] image = page(4096, p, i);
                        SelfReapingClientTest.whenRoom(() -> client.writeAsync(p, image, TIMEOUT)).get();
                    }
                    return null;
                }));
                for (Future<?> loop : loops) {
                    loop.get();
                }
            }
            assertEquals(0, client.unmappedCompletions());
        }
    }

    /** Outcomes by tag: any loop's poll may receive any loop's outcome, so they meet here. */
    private final Map<Long, String> outcomes = new ConcurrentHashMap<>();

    /** Keeps four submissions in flight: writes four pages, then reads them back, each tagged with its page. */
    private Void ownLoop(PageStoreClient client, int loop) throws Exception {
        Poller poller = client.poller();
        try (Arena arena = Arena.ofShared()) {
            MemorySegment[] buffers = new MemorySegment[4];
            for (int i = 0; i < buffers.length; i++) {
                buffers[i] = arena.allocate(4096);
            }
            for (int round = 0; round < 100; round++) {
                for (int i = 0; i < 4; i++) {
                    long p = loop * 100L + i;
                    buffers[i].copyFrom(MemorySegment.ofArray(page(4096, p, round)));
                    while (!poller.trySubmitWrite(p, buffers[i], tag(loop, i, false), TIMEOUT)) {
                        collect(poller);
                    }
                }
                awaitTags(poller, loop, false);
                for (int i = 0; i < 4; i++) {
                    buffers[i].fill((byte) 0);
                    while (!poller.trySubmitRead(loop * 100L + i, buffers[i], tag(loop, i, true), TIMEOUT)) {
                        collect(poller);
                    }
                }
                awaitTags(poller, loop, true);
                for (int i = 0; i < 4; i++) {
                    assertArrayEquals(page(4096, loop * 100L + i, round), buffers[i].toArray(ValueLayout.JAVA_BYTE));
                }
            }
        }
        return null;
    }

    private static long tag(int loop, int index, boolean read) {
        return loop * 1000L + index * 10L + (read ? 1 : 0);
    }

    private void collect(Poller poller) {
        poller.poll((tag, error) -> assertNull(outcomes.put(tag, error == null ? "ok" : error.name()),
                "tag " + tag + " handed back twice"), 16, Duration.ofMillis(20));
    }

    private void awaitTags(Poller poller, int loop, boolean read) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        for (int i = 0; i < 4; i++) {
            long tag = tag(loop, i, read);
            while (!outcomes.containsKey(tag)) {
                assertTrue(System.nanoTime() < deadline, "tag " + tag + " never came back");
                collect(poller);
            }
            assertEquals("ok", outcomes.remove(tag), "tag " + tag);
        }
    }

    @Test
    void shouldRefuseASubmissionWithoutAFreeSlotAndFailOutstandingOnesWhenTheManagerGoes() throws Exception {
        AtomicReference<SimulatedNvmeDevice> device = new AtomicReference<>();
        // The held reads never finish: the stop waits 1 s for them, not the default 10 s.
        PageStoreManager manager = PageStoreManager.start(config().withBackend(SimulatedDevices.simulated(11,
                device::set)).withStopWaitMillis(1000));
        try (PageStoreClient client = PageStoreClient.attach(directory, ClientOptions.defaults()
                .withRingCapacity(16));
                Arena arena = Arena.ofConfined()) {
            Poller poller = client.poller();
            MemorySegment destination = arena.allocate(4096);
            assertEquals(0, poller.poll((tag, error) -> { }, 1, Duration.ZERO), "nothing submitted, nothing ready");
            device.get().faults().holdNext(NvmeOpcodes.READ, 16);
            for (int i = 0; i < 16; i++) {
                assertTrue(poller.trySubmitRead(i, destination, i, Duration.ofSeconds(30)));
            }
            assertFalse(poller.trySubmitRead(20, destination, 20, TIMEOUT), "every slot is taken: nothing sent");
            CompletableFuture<byte[]> busy = client.readAsync(20, TIMEOUT);
            assertTrue(busy.isCompletedExceptionally());
            assertEquals(ErrorCode.BUSY, ((dev.pagestore.client.PageStoreException) busy.exceptionNow()).code());
            manager.close();
            Map<Long, ErrorCode> failed = new HashMap<>();
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (failed.size() < 16 && System.nanoTime() < deadline) {
                poller.poll(failed::put, 16, Duration.ofMillis(100));
            }
            assertEquals(16, failed.size(), "every outstanding submission came back: " + failed);
            for (ErrorCode code : failed.values()) {
                assertTrue(code == ErrorCode.MANAGER_GONE || code == ErrorCode.SHUTTING_DOWN, String.valueOf(code));
            }
            assertNull(failed.get(20L));
        } finally {
            manager.close();
        }
    }

    @Test
    void shouldHandBackASubmissionToAnOwnerThatOnlyEverPollsWithoutWaiting() throws Exception {
        try (PageStoreManager manager = PageStoreManager.start(config());
                PageStoreClient client = PageStoreClient.attach(directory, ClientOptions.defaults());
                Arena arena = Arena.ofConfined()) {
            client.write(9, page(4096, 9, 3));
            Poller poller = client.poller();
            MemorySegment destination = arena.allocate(4096);
            assertTrue(poller.trySubmitRead(9, destination, 5, TIMEOUT));
            long[] tags = new long[1];
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            // Nobody else reads the ring: a poll that never waits must read it itself.
            while (poller.poll((tag, error) -> tags[0] = error == null ? tag : -1, 1, Duration.ZERO) == 0) {
                assertTrue(System.nanoTime() < deadline, "a zero-wait poll never read the ring");
                Thread.onSpinWait();
            }
            assertEquals(5, tags[0]);
            assertArrayEquals(page(4096, 9, 3), destination.toArray(ValueLayout.JAVA_BYTE));
        }
    }
}

package dev.pagestore.manager;

import static dev.pagestore.manager.PageStoreManagerTest.page;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.client.ClientOptions;
import dev.pagestore.client.ErrorCode;
import dev.pagestore.client.PageStoreClient;
import dev.pagestore.client.PageStoreException;
import dev.pagestore.nvme.sim.NvmeOpcodes;
import dev.pagestore.nvme.sim.SimulatedNvmeDevice;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Synchronous callers that read the completion ring themselves, sharing it with virtual threads and asynchronous
 * callers: every answer reaches its caller, futures complete only on the completion thread, and every request entry
 * comes back.
 */
class SelfReapingClientTest {
    private static final int CAPACITY = 16;

    @TempDir
    Path directory;

    private ManagerConfig config() {
        return ManagerConfig.defaults(directory).withCapacityPages(1024).withCheckpointIntervalMillis(0);
    }

    @Test
    void shouldAnswerPlatformVirtualAndAsynchronousCallersSharingOneRingAndGiveEveryEntryBack() throws Exception {
        try (PageStoreManager manager = PageStoreManager.start(config());
                PageStoreClient client = PageStoreClient.attach(directory, ClientOptions.defaults()
                        .withRingCapacity(CAPACITY))) {
            Queue<String> wrongCallbackThreads = new ConcurrentLinkedQueue<>();
            List<Future<?>> calls = new ArrayList<>();
            try (ExecutorService virtual = Executors.newVirtualThreadPerTaskExecutor();
                    ExecutorService platform = Executors.newFixedThreadPool(4)) {
                for (int t = 0; t < 3; t++) {
                    int worker = t;
                    calls.add(platform.submit(() -> synchronousRounds(client, worker)));
                    calls.add(virtual.submit(() -> synchronousRounds(client, 10 + worker)));
                }
                calls.add(platform.submit(() -> asynchronousRounds(client, 20, wrongCallbackThreads)));
                calls.add(virtual.submit(() -> asynchronousRounds(client, 21, wrongCallbackThreads)));
                for (Future<?> call : calls) {
                    call.get();  // rethrows a caller's failure
                }
            }
            assertEquals(List.of(), List.copyOf(wrongCallbackThreads), "futures completed on other threads");
            // An entry or permit that was not given back would leave fewer than CAPACITY: the last one would wait.
            List<CompletableFuture<byte[]>> all = new ArrayList<>();
            for (int i = 0; i < CAPACITY; i++) {
                all.add(client.readAsync(i, Duration.ofSeconds(5)));
            }
            for (CompletableFuture<byte[]> read : all) {
                read.get();
            }
            assertEquals(0, client.unmappedCompletions());
        }
    }

    /** Writes and reads back pages of its own, through every synchronous overload. */
    private static Void synchronousRounds(PageStoreClient client, int worker) throws Exception {
        Duration timeout = Duration.ofSeconds(10);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment confined = arena.allocate(4096);
            ByteBuffer direct = ByteBuffer.allocateDirect(8192);
            for (int round = 0; round < 150; round++) {
                long pageNumber = worker * 10L + round % 10;
                byte[] expected = page(4096, pageNumber, round);
                switch (round % 3) {
                    case 0 -> {
                        client.write(pageNumber, expected, timeout);
                        assertArrayEquals(expected, client.read(pageNumber, timeout));
                    }
                    case 1 -> {
                        MemorySegment.copy(expected, 0, confined, ValueLayout.JAVA_BYTE, 0, 4096);
                        client.write(pageNumber, confined, timeout);
                        confined.fill((byte) 0);
                        client.read(pageNumber, confined, timeout);  // copied on this thread: confined is fine
                        assertArrayEquals(expected, confined.toArray(ValueLayout.JAVA_BYTE));
                    }
                    default -> {
                        direct.clear().position(100);
                        direct.put(expected).position(100);
                        client.write(pageNumber, direct, timeout);
                        assertEquals(100 + 4096, direct.position(), "a write advances the position");
                        ByteBuffer heap = ByteBuffer.allocate(4096 + 7).position(7);
                        client.read(pageNumber, heap, timeout);
                        assertEquals(4096 + 7, heap.position(), "a read advances the position");
                        assertArrayEquals(expected, java.util.Arrays.copyOfRange(heap.array(), 7, 4096 + 7));
                    }
                }
            }
        }
        return null;
    }

    /** Keeps eight asynchronous writes and reads of its own pages in flight, checking where their futures complete. */
    private static Void asynchronousRounds(PageStoreClient client, int worker, Queue<String> wrongThreads)
            throws Exception {
        Thread poster = Thread.currentThread();
        List<CompletableFuture<?>> window = new ArrayList<>();
        for (int round = 0; round < 200; round++) {
            long pageNumber = worker * 10L + round % 10;
            boolean write = round % 2 == 0;
            CompletableFuture<?> call = write
                    ? whenRoom(() -> client.writeAsync(pageNumber, page(4096, pageNumber, 1), Duration.ofSeconds(10)))
                    : whenRoom(() -> client.readAsync(pageNumber, Duration.ofSeconds(10)));
            window.add(call.whenComplete((result, failure) -> {
                Thread here = Thread.currentThread();
                if (here != poster && !here.getName().startsWith("pagestore-client-completions")) {
                    wrongThreads.add(here.getName());
                }
            }));
            if (window.size() == 8) {
                window.removeFirst().get();
            }
        }
        for (CompletableFuture<?> call : window) {
            call.get();
        }
        return null;
    }

    /**
     * Posts again while the call fails with BUSY at once (every slot of the client taken by other threads' requests):
     * what a caller sharing a client with others does.
     */
    static <T> CompletableFuture<T> whenRoom(Callable<CompletableFuture<T>> post) throws Exception {
        while (true) {
            CompletableFuture<T> call = post.call();
            if (!call.isCompletedExceptionally() || !(call.exceptionNow() instanceof PageStoreException e
                    && e.code() == ErrorCode.BUSY)) {
                return call;
            }
            Thread.sleep(1);
        }
    }

    @Test
    void shouldAnswerAWaiterWhoseRequestIsHeldWhileAnotherPlatformThreadReadsTheRing() throws Exception {
        AtomicReference<SimulatedNvmeDevice> device = new AtomicReference<>();
        try (PageStoreManager manager = PageStoreManager.start(config().withBackend(SimulatedDevices.simulated(9,
                        device::set)));
                PageStoreClient client = PageStoreClient.attach(directory, ClientOptions.defaults())) {
            client.write(5, page(4096, 5, 2));
            device.get().faults().holdNext(NvmeOpcodes.READ, 1);
            try (ExecutorService platform = Executors.newFixedThreadPool(2)) {
                Future<byte[]> held = platform.submit(() -> client.read(5, Duration.ofSeconds(20)));
                Thread.sleep(200);  // its read is on the device now, its thread waiting on the ring
                Future<?> others = platform.submit(() -> {
                    for (int i = 0; i < 200; i++) {
                        client.write(6, page(4096, 6, i), Duration.ofSeconds(20));
                    }
                    return null;
                });
                others.get();  // answered while the first waiter (or this one) reads the ring
                device.get().faults().releaseHeld();
                assertArrayEquals(page(4096, 5, 2), held.get());
            }
        }
    }

    @Test
    void shouldRefuseBuffersOfTheWrongShapeBeforeSendingAnything() throws Exception {
        try (PageStoreManager manager = PageStoreManager.start(config());
                PageStoreClient client = PageStoreClient.attach(directory, ClientOptions.defaults())) {
            Duration timeout = Duration.ofSeconds(5);
            assertThrows(IllegalArgumentException.class, () -> client.read(1, ByteBuffer.allocate(4095), timeout));
            assertThrows(IllegalArgumentException.class,
                    () -> client.read(1, ByteBuffer.allocate(4096).asReadOnlyBuffer(), timeout));
            assertThrows(IllegalArgumentException.class, () -> client.write(1, ByteBuffer.allocate(100), timeout));
            ByteBuffer source = ByteBuffer.allocate(4096);
            assertThrows(IllegalArgumentException.class, () -> client.write(client.capacityPages(), source, timeout));
            assertEquals(0, source.position(), "a refused write leaves the position where it was");
            assertArrayEquals(new byte[4096], client.read(1), "nothing was written by the refused calls");
        }
    }
}

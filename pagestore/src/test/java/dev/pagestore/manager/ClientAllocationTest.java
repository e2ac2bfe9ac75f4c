package dev.pagestore.manager;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.client.ClientOptions;
import dev.pagestore.client.PageStoreClient;
import dev.pagestore.client.PollHandler;
import dev.pagestore.client.Poller;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client's calls into caller-owned memory allocate nothing per request on the calling thread: synchronous reads
 * and writes of a {@code MemorySegment} and of a direct {@code ByteBuffer}, and submissions and polls through the
 * {@link Poller} at 8 outstanding. Counted with HotSpot's per-thread allocation counter over three windows after a
 * warm-up; the median window is judged.
 */
class ClientAllocationTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final int DEPTH = 8;

    @TempDir(factory = MemoryTempDir.class)  // the WAL's fdatasync is not what is measured, and costs a minute here
    Path directory;

    @FunctionalInterface
    private interface Calls {
        void run(int count) throws Exception;
    }

    @Test
    void shouldAllocateNothingPerRequestOnTheCallingThreadOnceWarm() throws Exception {
        try (PageStoreManager manager = PageStoreManager.start(ManagerConfig.defaults(directory)
                .withCapacityPages(1024).withCheckpointIntervalMillis(0).withBackend(DeviceFactory.named("simulated")));
                PageStoreClient client = PageStoreClient.attach(directory, ClientOptions.defaults());
                Arena arena = Arena.ofConfined()) {
            MemorySegment page = arena.allocate(4096, 4096);
            ByteBuffer buffer = ByteBuffer.allocateDirect(4096);
            MemorySegment[] buffers = new MemorySegment[DEPTH];
            for (int i = 0; i < DEPTH; i++) {
                buffers[i] = arena.allocate(4096, 4096);
            }
            Poller poller = client.poller();
            int[] collected = new int[1];
            PollHandler handler = (tag, error) -> {
                if (error != null) {
                    throw new AssertionError("request " + tag + " failed: " + error);
                }
                collected[0]++;
            };
            judge("synchronous read into a segment", count -> {
                for (int i = 0; i < count; i++) {
                    client.read(i & 1023, page, TIMEOUT);
                }
            });
            judge("synchronous write of a segment", count -> {
                for (int i = 0; i < count; i++) {
                    client.write(i & 63, page, TIMEOUT);
                }
            });
            judge("synchronous read into a direct ByteBuffer", count -> {
                for (int i = 0; i < count; i++) {
                    client.read(i & 1023, buffer.clear(), TIMEOUT);
                }
            });
            judge("synchronous write of a direct ByteBuffer", count -> {
                for (int i = 0; i < count; i++) {
                    client.write(i & 63, buffer.clear(), TIMEOUT);
                }
            });
            judge("reads through the poller, 8 outstanding", count -> {
                int submitted = 0;
                collected[0] = 0;
                while (collected[0] < count) {
                    while (submitted - collected[0] < DEPTH && submitted < count) {
                        int tag = submitted % DEPTH;
                        if (!poller.trySubmitRead(submitted & 1023, buffers[tag], tag, TIMEOUT)) {
                            break;
                        }
                        submitted++;
                    }
                    poller.poll(handler, DEPTH, TIMEOUT);
                }
            });
        }
    }

    /** Warms {@code calls} up, then measures three windows; fails when the median is a request's worth. */
    private static void judge(String what, Calls calls) throws Exception {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        // Warm-up: C2 must compile the path (its escape analysis removes the slice the JDK makes of an errno capture
        // segment per system call while the code is interpreted): twice its invocation threshold and more.
        calls.run(30_000);
        double[] perRequest = new double[3];
        int requests = 10_000;
        for (int window = 0; window < perRequest.length; window++) {
            long before = threads.getCurrentThreadAllocatedBytes();
            calls.run(requests);
            perRequest[window] = (double) (threads.getCurrentThreadAllocatedBytes() - before) / requests;
        }
        System.out.printf("client allocation, %s: %s bytes per request in three windows%n", what,
                Arrays.toString(perRequest));
        Arrays.sort(perRequest);
        // An object of the client's own per request is 16 bytes at least; the bound leaves room for the JDK's errno
        // capture slice in a run where C2 did not inline it.
        assertTrue(perRequest[1] < 12, what + ": " + perRequest[1] + " bytes per request (median of three windows)");
    }
}

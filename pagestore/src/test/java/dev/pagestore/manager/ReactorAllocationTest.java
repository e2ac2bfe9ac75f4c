package dev.pagestore.manager;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.client.ClientOptions;
import dev.pagestore.client.PageStoreClient;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * STYLE.md: nothing is allocated per I/O on the hot path. Counts the bytes the reactor thread allocates (HotSpot's
 * per-thread allocation counter) over a steady run of reads, writes and atomic batches, after a warm-up.
 */
class ReactorAllocationTest {
    @TempDir
    Path directory;

    @Test
    void shouldAllocateNothingPerRequestOnTheReactorThreadOnceWarm() throws Exception {
        try (PageStoreManager manager = PageStoreManager.start(ManagerConfig.defaults(directory)
                .withCapacityPages(4096).withCheckpointIntervalMillis(0).withBackend(DeviceFactory.named("auto")));
                PageStoreClient client = PageStoreClient.attach(directory, ClientOptions.defaults())) {
            Thread reactor = thread("pagestore-reactor-0");
            Thread walWriter = thread("wal-writer");
            com.sun.management.ThreadMXBean threads =
                    (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            byte[] image = new byte[4096];
            run(client, image, 20_000);  // warm-up: JIT, pools, maps grown to their working size
            long before = threads.getThreadAllocatedBytes(reactor.threadId());
            long walBefore = threads.getThreadAllocatedBytes(walWriter.threadId());
            int requests = run(client, image, 20_000);
            long allocated = threads.getThreadAllocatedBytes(reactor.threadId()) - before;
            long walAllocated = threads.getThreadAllocatedBytes(walWriter.threadId()) - walBefore;
            // Printed, not asserted: the writer slices its staging buffer once per batch, and with -ea it re-checks
            // each record's CRC (allocating) in an assert.
            System.out.printf("WAL writer allocation: %,d bytes over %,d requests%n", walAllocated, requests);
            double perRequest = (double) allocated / requests;
            System.out.printf("reactor allocation: %,d bytes over %,d requests = %.1f bytes per request%n", allocated,
                    requests, perRequest);
            assertTrue(perRequest < 8, "the reactor allocated " + perRequest + " bytes per request");
        }
    }

    private static Thread thread(String name) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no thread named " + name));
    }

    /** Issues {@code rounds} rounds of 4 writes, 4 reads and one 2-page batch, 16 in flight at most. */
    private static int run(PageStoreClient client, byte[] image, int rounds) throws Exception {
        int requests = 0;
        for (int r = 0; r < rounds; r += 16) {
            List<CompletableFuture<?>> inFlight = new ArrayList<>();
            for (int k = 0; k < 16 && r + k < rounds; k++) {
                long page = (r + k) * 7L % 4000;
                switch (k % 3) {
                    case 0 -> inFlight.add(client.writeAsync(page, image));
                    case 1 -> inFlight.add(client.readAsync(page));
                    default -> inFlight.add(client.writeBatchAsync(new long[] {page, page + 1},
                            new byte[][] {image, image}, java.time.Duration.ofSeconds(10)));
                }
                requests++;
            }
            CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new)).get();
        }
        return requests;
    }
}

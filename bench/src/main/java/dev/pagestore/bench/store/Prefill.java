package dev.pagestore.bench.store;

import dev.pagestore.client.PageStoreClient;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;

/**
 * Writes every page of a trial's working set once before it is measured: a page never written is a hole in the data
 * file, and reading it would not touch the device.
 */
final class Prefill {
    static final int PREFILL_OUTSTANDING = 32;

    private Prefill() {
    }

    /** Every page once, random bytes stamped with the page number, {@value #PREFILL_OUTSTANDING} in flight. */
    static void everyPage(Path store, String backend, int pageSizeBytes, long workingSetPages) throws IOException {
        long started = System.nanoTime();
        try (Arena arena = Arena.ofConfined();
                PageStoreClient client = PageStoreClient.attach(store, PageStoreBench.options("jmh-prefill"))) {
            if (client.pageSizeBytes() != pageSizeBytes) {
                throw new IllegalStateException("the manager serves pages of " + client.pageSizeBytes()
                        + " bytes, not pageSizeBytes=" + pageSizeBytes);
            }
            MemorySegment image = PageStoreBench.randomPage(arena, pageSizeBytes,
                    new SplittableRandom(workingSetPages));
            CompletableFuture<?>[] inFlight = new CompletableFuture<?>[PREFILL_OUTSTANDING];
            for (long page = 0; page < workingSetPages; page++) {
                int i = (int) (page % PREFILL_OUTSTANDING);
                if (inFlight[i] != null) {
                    inFlight[i].join();
                }
                image.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, page);  // copied into a ring slot at submit
                inFlight[i] = client.writeAsync(page, image, PageStoreBench.CALL_TIMEOUT);
            }
            CompletableFuture.allOf(Arrays.stream(inFlight).filter(Objects::nonNull)
                    .toArray(CompletableFuture[]::new)).join();
        }
        System.out.printf("%n[PageStoreBench] %s: wrote %,d pages of %d B in %.1f s%n", backend,
                workingSetPages, pageSizeBytes, (System.nanoTime() - started) / 1e9);
    }
}

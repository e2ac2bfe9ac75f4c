package dev.pagestore.demo;

import dev.pagestore.client.ClientOptions;
import dev.pagestore.client.PageStoreClient;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The demo's verdict, read from a fresh client after the workers stopped: each page holds its owner's last
 * acknowledged sequence, or one written after it whose outcome stayed unknown (applied but never acknowledged);
 * zeros only when nothing was acknowledged. An older sequence is a lost acknowledged write; a torn or foreign image
 * is corruption ({@link DemoRun} explains the workload).
 *
 * @param pagesWithAcks pages with at least one acknowledged write
 * @param failures      one line per page that breaks the rule
 */
record AckedWritesCheck(long pagesWithAcks, List<String> failures) {
    private static final int READ_CHUNK_PAGES = 32;

    /** Reads every page of the store in {@code dir} and checks it against what its owner worker reported. */
    static AckedWritesCheck run(Path dir, long pages, int workers, WorkerResult[] results) throws IOException {
        List<String> failures = new ArrayList<>();
        long withAcks = 0;
        try (PageStoreClient client = PageStoreClient.attach(dir, ClientOptions.defaults()
                .withClientName("demo-verifier").withDefaultTimeout(Duration.ofSeconds(10)))) {
            for (long first = 0; first < pages; first += READ_CHUNK_PAGES) {
                int n = (int) Math.min(READ_CHUNK_PAGES, pages - first);
                long[] numbers = new long[n];
                for (int i = 0; i < n; i++) {
                    numbers[i] = first + i;
                }
                List<byte[]> images = client.readMany(numbers);
                for (int i = 0; i < n; i++) {
                    long page = numbers[i];
                    int owner = (int) (page % workers);
                    long acked = results[owner].acked.getOrDefault(page, 0L);
                    List<Long> unknown = results[owner].unknown.getOrDefault(page, List.of());
                    withAcks += acked > 0 ? 1 : 0;
                    long found = PageStamp.sequenceOf(images.get(i), page, owner);
                    if (found < 0) {
                        failures.add("page " + page + " is torn or foreign (owner worker " + owner + ")");
                    } else if (found != acked && !(found > acked && unknown.contains(found))) {
                        failures.add("page " + page + " holds sequence " + found + " but worker " + owner
                                + "'s last acknowledged write is " + acked
                                + (found < acked ? ": an acknowledged write was LOST" : ""));
                    }
                }
            }
        }
        return new AckedWritesCheck(withAcks, failures);
    }
}

package dev.pagestore.torture.loop;

import dev.pagestore.client.ClientOptions;
import dev.pagestore.client.PageStoreClient;
import dev.pagestore.torture.PageOperation;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Reads every page of a torture store through a new client, recording each read; the writers' groups' values. */
final class FinalReads {
    /** The process id the loops' own reads are recorded under. */
    static final int READER = 1_000_000;

    private FinalReads() {
    }

    /**
     * Reads the shared pages and the groups of writers {@code [0, writers)} of the store served at {@code directory},
     * adding each read to {@code history}.
     *
     * @throws IOException when a read fails (the store must serve every page)
     */
    static Map<Integer, long[]> readAll(Path directory, int writers, List<PageOperation> history)
            throws IOException {
        Map<Integer, long[]> groups = new HashMap<>();
        Duration timeout = Duration.ofSeconds(10);
        try (PageStoreClient client = PageStoreClient.attach(directory, ClientOptions.defaults()
                .withClientName("torture-reader").withDefaultTimeout(timeout))) {
            PageWorkload reader = new PageWorkload(READER, writers, 0, client.pageSizeBytes(), 0, timeout,
                    history::add);
            for (long page = 0; page < PageWorkload.SHARED_PAGES; page++) {
                if (reader.read(client, page) == null) {
                    throw new IOException("the read of page " + page + " failed");
                }
            }
            for (int w = 0; w < writers; w++) {
                long[] pages = PageWorkload.groupOf(w);
                long[] values = new long[pages.length];
                for (int i = 0; i < pages.length; i++) {
                    Long value = reader.read(client, pages[i]);
                    if (value == null) {
                        throw new IOException("the read of page " + pages[i] + " failed");
                    }
                    values[i] = value;
                }
                groups.put(w, values);
            }
        }
        return groups;
    }
}

package dev.pagestore.it;

import dev.pagestore.cache.BackingStore;
import dev.pagestore.cache.ClientVersions;
import dev.pagestore.cache.PageCache;
import dev.pagestore.cache.PageCacheStats;
import dev.pagestore.client.ClientOptions;
import dev.pagestore.client.PageStoreClient;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;

/**
 * A worker process with a page cache, for the per-worker status tests: {@code DIR NAME MILLIS honest|lie}. Reads
 * pages 0-31 in turn through a cache of 8 pages for MILLIS, then prints {@code DONE hits=H misses=M evictions=E}
 * (its cache's own counts) and stays attached until a line arrives on standard input. A {@code lie} worker also
 * reports absurd figures of itself (the largest and a negative number), as a hostile worker could.
 */
public final class CacheWorkerMain {
    public static void main(String[] args) throws Exception {
        Path directory = Path.of(args[0]);
        long millis = Long.parseLong(args[2]);
        boolean lie = args[3].equals("lie");
        try (PageStoreClient client = PageStoreClient.attach(directory, ClientOptions.defaults()
                .withClientName(args[1]))) {
            PageCache cache = new PageCache(BackingStore.of(client), new ClientVersions(client),
                    8L * client.pageSizeBytes());
            System.out.println("READY");
            System.out.flush();
            long end = System.nanoTime() + millis * 1_000_000;
            for (long page = 0; System.nanoTime() < end; page = (page + 1) % 32) {
                cache.read(page);
                cache.read(page);  // a hit, unless a write moved its version
            }
            if (lie) {
                client.figures().cacheLookups(Long.MAX_VALUE, -12345);
                client.figures().cacheEvictions(Long.MIN_VALUE);
            }
            PageCacheStats stats = cache.stats();
            System.out.println("DONE hits=" + stats.hits() + " misses=" + stats.misses() + " evictions="
                    + stats.evictions());
            System.out.flush();
            new BufferedReader(new InputStreamReader(System.in)).readLine();
        }
    }
}

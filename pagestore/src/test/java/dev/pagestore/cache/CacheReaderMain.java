package dev.pagestore.cache;

import dev.pagestore.client.ClientOptions;
import dev.pagestore.client.PageStoreClient;
import dev.pagestore.demo.PageStamp;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;

/**
 * Worker B of {@link PageCacheCoherenceTest}: {@code DIR PAGE}. Reads PAGE twice through its cache (the second a
 * hit), prints {@code CACHED seq hits}, then for every {@code READ} on stdin reads it again through the cache and
 * prints {@code SEQ seq hits misses}.
 */
public final class CacheReaderMain {
    public static void main(String[] args) throws Exception {
        Path directory = Path.of(args[0]);
        long page = Long.parseLong(args[1]);
        try (PageStoreClient client = PageStoreClient.attach(directory, ClientOptions.defaults())) {
            PageCache cache = new PageCache(BackingStore.of(client), new ClientVersions(client), 1 << 20);
            cache.read(page);
            long seq = PageStamp.sequenceOf(cache.read(page), page, 0);
            System.out.println("CACHED " + seq + " " + cache.stats().hits());
            System.out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
            String line;
            while ((line = in.readLine()) != null && line.equals("READ")) {
                seq = PageStamp.sequenceOf(cache.read(page), page, 0);
                PageCacheStats stats = cache.stats();
                System.out.println("SEQ " + seq + " " + stats.hits() + " " + stats.misses());
                System.out.flush();
            }
        }
    }
}

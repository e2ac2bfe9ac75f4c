package dev.pagestore.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pagestore.client.ClientOptions;
import dev.pagestore.client.PageStoreClient;
import dev.pagestore.manager.DeviceFactory;
import dev.pagestore.manager.ManagerConfig;
import dev.pagestore.manager.PageStoreManager;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A page cache whose client follows a failover to another directory's manager: that manager numbers its page
 * versions apart (its own epoch, its own count of writes), and may number a page exactly as the old one did. An
 * entry cached under the old manager must not be served as the new one's page.
 */
class PageCacheFailoverTest {
    private static final int PAGE = 4096;

    @TempDir
    Path root;

    private static ManagerConfig config(Path directory) {
        return ManagerConfig.defaults(directory).withCapacityPages(64).withCheckpointIntervalMillis(0)
                .withBackend(DeviceFactory.named("simulated"));
    }

    private static byte[] page(int fill) {
        byte[] data = new byte[PAGE];
        Arrays.fill(data, (byte) fill);
        return data;
    }

    @Test
    void shouldNotServeAPageCachedUnderAnotherManagerThatNumberedItAlike() throws Exception {
        Path first = root.resolve("first");
        Path second = root.resolve("second");
        try (PageStoreManager other = PageStoreManager.start(config(second))) {
            try (PageStoreClient writer = PageStoreClient.attach(second, ClientOptions.defaults())) {
                writer.write(5, page(2));  // its page 5's version: epoch 1, one write, as the first's below
            }
            Thread.sleep(5);  // two managers of one process tell apart by their start times
            PageStoreManager primary = PageStoreManager.start(config(first));
            try (PageStoreClient client = PageStoreClient.attach(first, ClientOptions.defaults()
                    .withAutoReattach(true).withFailoverDirectories(List.of(second)))) {
                client.write(5, page(1));
                PageCache cache = new PageCache(BackingStore.of(client), new ClientVersions(client), 1 << 20);
                assertArrayEquals(page(1), cache.read(5));  // cached under the first manager
                assertEquals(1, other.epoch());
                primary.close();  // the client follows to the second
                client.reattach(Duration.ofSeconds(10));
                assertArrayEquals(page(2), cache.read(5), "the second manager's page, not the first's cached copy");
            }
        }
    }
}

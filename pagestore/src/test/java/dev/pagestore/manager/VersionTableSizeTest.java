package dev.pagestore.manager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.pagestore.client.ClientOptions;
import dev.pagestore.client.PageStoreClient;
import dev.pagestore.status.StatusView;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The page-version table grows with the store, so that a large store does not share a version among many pages. */
class VersionTableSizeTest {
    @TempDir
    Path directory;

    @Test
    void shouldGiveOneBucketPerSixteenPagesBetweenTheBounds() {
        assertEquals(1 << 16, ManagerConfig.versionBucketsFor(1), "never below 2^16");
        assertEquals(1 << 16, ManagerConfig.versionBucketsFor(262_144), "the default 1 GiB store");
        assertEquals(1 << 16, ManagerConfig.versionBucketsFor(16L << 16));
        assertEquals(1 << 17, ManagerConfig.versionBucketsFor((16L << 16) + 1), "rounded up to a power of two");
        assertEquals(1 << 22, ManagerConfig.versionBucketsFor(1L << 28), "1 TiB of 4 KiB pages: 64 pages a bucket");
        assertEquals(1 << 22, ManagerConfig.versionBucketsFor(1L << 38), "never above 2^22");
        ManagerConfig config = ManagerConfig.defaults(directory).withCapacityPages(1L << 24);
        assertEquals(1 << 20, config.effectiveVersionBucketCount());
        assertEquals(1 << 18, config.withVersionBucketCount(1 << 18).effectiveVersionBucketCount(), "an option wins");
        assertThrows(IllegalArgumentException.class, () -> config.withVersionBucketCount(3));
        assertThrows(IllegalArgumentException.class, () -> config.withVersionBucketCount(1 << 23));
    }

    @Test
    void shouldPublishTheTableSizedForTheStoreToItsWorkers() throws Exception {
        try (PageStoreManager manager = PageStoreManager.start(ManagerConfig.defaults(directory)
                .withCapacityPages(4L << 20).withCheckpointIntervalMillis(0));
                PageStoreClient client = PageStoreClient.attach(directory, ClientOptions.defaults());
                StatusView status = StatusView.observe(directory)) {
            assertEquals(1 << 18, status.versionBucketCount(), "4 Mi pages: 2^18 buckets");
            client.write(3, new byte[4096]);
            long version = client.versions().version(3);
            client.write(3, new byte[4096]);
            assertEquals(version + 1, client.versions().version(3));
        }
    }
}

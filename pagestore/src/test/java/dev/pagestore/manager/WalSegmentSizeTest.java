package dev.pagestore.manager;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.client.ClientOptions;
import dev.pagestore.client.PageStoreClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store's WAL segment size is chosen at creation and kept: a store made with small segments switches and recycles
 * them under writes, and a start configured with another size still recovers it with its own.
 */
class WalSegmentSizeTest {
    private static final int PAGE = 4096;

    @TempDir
    Path directory;

    @Test
    void shouldCheckTheSize() {
        ManagerConfig config = ManagerConfig.defaults(directory);
        assertEquals(64L << 20, config.walSegmentSizeBytes());
        assertEquals(1L << 20, config.withWalSegmentSizeBytes(1L << 20).walSegmentSizeBytes());
        assertThrows(IllegalArgumentException.class, () -> config.withWalSegmentSizeBytes((1L << 20) + 4096),
                "whole MiB");
        assertThrows(IllegalArgumentException.class, () -> config.withWalSegmentSizeBytes(2L << 30), "at most 1 GiB");
        assertThrows(IllegalArgumentException.class, () -> config.withWalSegmentSizeBytes(0));
        assertEquals(List.of(1L << 20, 2L << 20, 3L << 20), List.of(ManagerConfig.walSegmentSizeMin(4096),
                ManagerConfig.walSegmentSizeMin(8192), ManagerConfig.walSegmentSizeMin(16384)));
        IllegalArgumentException small = assertThrows(IllegalArgumentException.class,
                () -> config.withPageSizeBytes(16384).withWalSegmentSizeBytes(2L << 20));
        assertTrue(small.getMessage().contains("from 3 MiB (for 16384-byte pages)"), small.getMessage());
    }

    @Test
    void shouldKeepTheSizeAStoreWasMadeWith() throws Exception {
        ManagerConfig small = ManagerConfig.defaults(directory).withCapacityPages(1024)
                .withCheckpointIntervalMillis(50).withWalSegmentSizeBytes(1L << 20);
        int pages = 1024;
        try (PageStoreManager manager = PageStoreManager.start(small);
                PageStoreClient client = PageStoreClient.attach(directory, ClientOptions.defaults())) {
            for (int round = 0; round < 3; round++) {  // 12 MiB of page images: a dozen 1 MiB segments
                for (int page = 0; page < pages; page++) {
                    client.write(page, image(page, round));
                }
            }
        }
        assertEquals(List.of(1L << 20), segmentSizes(), "1 MiB segments, recycled after checkpoints");
        assertTrue(lastSegment() >= 8, "12 MiB written through 1 MiB segments reached segment " + lastSegment());
        try (PageStoreManager manager = PageStoreManager.start(small.withWalSegmentSizeBytes(64L << 20));
                PageStoreClient client = PageStoreClient.attach(directory, ClientOptions.defaults())) {
            for (int page = 0; page < pages; page++) {
                assertArrayEquals(image(page, 2), client.read(page), "page " + page);
            }
            client.write(7, image(7, 3));
        }
        assertEquals(List.of(1L << 20), segmentSizes(), "another configured size applies only to a new store");
    }

    private List<Long> segmentSizes() throws IOException {
        try (Stream<Path> files = Files.list(directory.resolve(PageStoreManager.WAL_DIRECTORY))) {
            return files.filter(f -> f.getFileName().toString().endsWith(".wal")).map(f -> {
                try {
                    return Files.size(f);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).distinct().toList();
        }
    }

    private long lastSegment() throws IOException {
        try (Stream<Path> files = Files.list(directory.resolve(PageStoreManager.WAL_DIRECTORY))) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".wal"))
                    .mapToLong(n -> Long.parseLong(n.substring(0, n.length() - 4), 16)).max().orElse(-1);
        }
    }

    private static byte[] image(int page, int round) {
        byte[] image = new byte[PAGE];
        Arrays.fill(image, (byte) (page * 31 + round));
        image[0] = (byte) round;
        return image;
    }
}

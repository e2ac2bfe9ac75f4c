package dev.pagestore.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pagestore.cli.PageStoreCli;
import dev.pagestore.client.ClientOptions;
import dev.pagestore.client.PageStoreClient;
import dev.pagestore.ipc.testing.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14, item 10: a write whose WAL record is durable is committed, whatever happens to its data-file write. On a
 * real full file system (the data file is sparse, so a first write of a page needs a new block; the WAL segment was
 * allocated up front), the write is acknowledged, reads return it, and after {@code kill -9}, freeing space and a
 * restart, recovery brings it back.
 */
class FullDataDiskTest {
    private static final Duration STARTUP = Duration.ofSeconds(60);
    private static final long[] PAGES = {100, 101, 5000, 9000};

    @TempDir
    Path temporary;

    private static byte[] image(long page, int fill) {
        byte[] data = new byte[4096];
        java.util.Arrays.fill(data, (byte) fill);
        java.nio.ByteBuffer.wrap(data).putLong(0, page);
        return data;
    }

    private ChildJvm manager(Path directory) throws Exception {
        ChildJvm manager = ChildJvm.start(PageStoreCli.class, "manager", "--dir", directory.toString(),
                "--create", "--capacity-pages", "16384", "--checkpoint-interval-ms", "0");
        assertNotNull(manager.awaitLineStartingWith("pagestore manager pid", STARTUP),
                "the manager process did not start");
        return manager;
    }

    @Test
    void shouldAcknowledgeAndKeepWritesWhoseDataBlocksCannotBeAllocated() throws Exception {
        try (SmallFileSystem fs = SmallFileSystem.mount(temporary.resolve("fs"), 160L << 20)) {
            assumeTrue(fs != null, () -> SmallFileSystem.unavailableReason);
            Path directory = fs.root().resolve("store");
            Path filler = fs.root().resolve("filler");
            try (ChildJvm manager = manager(directory)) {
                SmallFileSystem.fill(filler);
                try (PageStoreClient client = PageStoreClient.attach(directory, ClientOptions.defaults())) {
                    for (long page : PAGES) {
                        client.write(page, image(page, 7));  // the data file has no block for it: ENOSPC below
                    }
                    for (long page : PAGES) {
                        assertArrayEquals(image(page, 7), client.read(page), "page " + page + " before the crash");
                    }
                }
                manager.kill9();
            }
            Files.delete(filler);
            try (ChildJvm manager = manager(directory);
                    PageStoreClient client = PageStoreClient.attach(directory, ClientOptions.defaults())) {
                for (long page : PAGES) {
                    assertArrayEquals(image(page, 7), client.read(page), "page " + page + " after recovery");
                }
            }
        }
    }
}

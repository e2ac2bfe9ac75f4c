package dev.pagestore.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pagestore.client.ClientOptions;
import dev.pagestore.client.PageStoreClient;
import dev.pagestore.demo.PageStamp;
import dev.pagestore.ipc.testing.ChildJvm;
import dev.pagestore.manager.ManagerConfig;
import dev.pagestore.manager.PageStoreManager;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Cross-process coherence: worker B (a real JVM) has a page cached; A writes it; B's next read sees A's write. */
class PageCacheCoherenceTest {
    private static final Duration STARTUP = Duration.ofSeconds(60);
    private static final long PAGE = 5;

    @TempDir
    Path directory;

    @Test
    void shouldServeANewImageInBAfterAsWriteWasAcknowledged() throws Exception {
        try (PageStoreManager manager = PageStoreManager.start(ManagerConfig.defaults(directory)
                .withCapacityPages(1024).withCheckpointIntervalMillis(0));
                PageStoreClient a = PageStoreClient.attach(directory, ClientOptions.defaults())) {
            PageCache cacheA = new PageCache(BackingStore.of(a), new ClientVersions(a), 1 << 20);
            cacheA.write(PAGE, PageStamp.image(a.pageSizeBytes(), PAGE, 0, 1));
            try (ChildJvm b = ChildJvm.start(CacheReaderMain.class, directory.toString(), Long.toString(PAGE))) {
                assertEquals("CACHED 1 1", b.awaitLine(STARTUP), "B read sequence 1, the second time from its cache");
                b.send("READ");
                assertEquals("SEQ 1 2 1", b.awaitLine(STARTUP), "unchanged page: another hit");
                for (long seq = 2; seq <= 5; seq++) {
                    cacheA.write(PAGE, PageStamp.image(a.pageSizeBytes(), PAGE, 0, seq));  // acknowledged here
                    b.send("READ");
                    String line = b.awaitLine(STARTUP);
                    assertEquals(seq, Long.parseLong(line.split(" ")[1]), "B after A's write " + seq + ": " + line);
                }
                assertEquals(seq(cacheA.read(PAGE)), 5, "A's own write-through image");
            }
        }
    }

    private static long seq(byte[] image) {
        return PageStamp.sequenceOf(image, PAGE, 0);
    }
}

package dev.pagestore.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.cli.PageStoreCli;
import dev.pagestore.client.ClientOptions;
import dev.pagestore.client.PageStoreClient;
import dev.pagestore.ipc.testing.ChildJvm;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14, item 4: an acknowledged write is exactly what was logged. A worker process rewrites its buffer while each
 * of its writes is in flight ({@link SlotChangerMain}); whatever the manager took, the page must read back the same
 * before a {@code kill -9} of the manager and after recovery. Before the fix the WAL copied the slot on its writer
 * thread and the device wrote it again later from the slot, so some pages (11 of 100 in the report) read back one
 * content before the crash and another after.
 */
class SlotChangedAfterPostTest {
    private static final Duration STARTUP = Duration.ofSeconds(60);
    private static final int PAGES = 100;

    @TempDir
    Path directory;

    private ChildJvm manager() throws Exception {
        ChildJvm manager = ChildJvm.start(PageStoreCli.class, "manager", "--dir", directory.toString(),
                "--create", "--capacity-pages", "4096", "--checkpoint-interval-ms", "0");
        assertNotNull(manager.awaitLineStartingWith("pagestore manager pid", STARTUP), "the manager did not start");
        return manager;
    }

    @Test
    void shouldReadBackTheSameContentBeforeAndAfterACrashWhateverTheWorkerDidToItsBuffer() throws Exception {
        Map<Long, String> before = new LinkedHashMap<>();
        try (ChildJvm manager = manager()) {
            try (ChildJvm changer = ChildJvm.start(SlotChangerMain.class, directory.toString(), "1000",
                    Integer.toString(PAGES))) {
                String line;
                while ((line = changer.awaitLine(STARTUP)) != null && !line.equals("DONE")) {
                    String[] parts = line.split(" ");
                    assertEquals("OK", parts[2], "write acknowledged: " + line);
                    before.put(Long.parseLong(parts[1]), parts[3]);
                }
                assertEquals(PAGES, before.size(), "every page reported");
            }
            manager.kill9();  // no checkpoint: recovery replays the log into the data file
        }
        int differing = 0;
        StringBuilder detail = new StringBuilder();
        try (ChildJvm manager = manager();
                PageStoreClient client = PageStoreClient.attach(directory, ClientOptions.defaults())) {
            for (Map.Entry<Long, String> page : before.entrySet()) {
                byte[] after = client.read(page.getKey());
                String crc = Integer.toHexString(RawWorker.crc32c(MemorySegment.ofArray(after)));
                if (!crc.equals(page.getValue())) {
                    differing++;
                    detail.append(" page ").append(page.getKey()).append(": ").append(page.getValue()).append(" -> ")
                            .append(crc);
                }
            }
        }
        assertTrue(differing == 0, differing + " of " + PAGES + " acknowledged pages changed across the crash:"
                + detail);
    }
}

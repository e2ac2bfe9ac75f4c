package dev.pagestore.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.manager.ManagerConfig;
import dev.pagestore.manager.PageStoreManager;
import dev.pagestore.manager.StoreMetadata;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the demo may empty (issue 14, item 1): only a directory of its own, holding only the store it made. */
class DemoDirectoryTest {
    @TempDir
    Path root;

    private static void makeStore(Path store) throws Exception {
        try (PageStoreManager manager = PageStoreManager.start(ManagerConfig.defaults(store).withCapacityPages(64)
                .withCheckpointIntervalMillis(0))) {
            assertEquals(1, manager.epoch());
        }
    }

    private static List<String> names(Path dir) throws Exception {
        try (Stream<Path> list = Files.list(dir)) {
            return list.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void shouldEmptyItsOwnDirectoryWithTheStoreItRecorded() throws Exception {
        Path home = root.resolve("demo");
        Path store = DemoDirectory.prepare(home);
        assertEquals(home.resolve("store"), store);
        makeStore(store);
        DemoDirectory.recordStore(home, store);
        Files.createDirectory(home.resolve("logs"));
        Files.writeString(home.resolve("logs/manager-1.log"), "log");

        assertEquals(store, DemoDirectory.prepare(home));
        assertEquals(List.of(DemoDirectory.MARKER), names(home), "emptied: the next run starts from nothing");
    }

    @Test
    void shouldRefuseAStoreInItsDirectoryThatIsNotTheOneItRecorded() throws Exception {
        Path home = root.resolve("demo");
        Path store = DemoDirectory.prepare(home);
        makeStore(store);  // a store the marker does not name (none recorded)
        DemoRefusedException e = assertThrows(DemoRefusedException.class, () -> DemoDirectory.prepare(home));
        assertTrue(e.getMessage().contains("not the store") && e.getMessage().contains("deletes no store it did not"
                + " make"), e.getMessage());
        assertTrue(Files.exists(store.resolve(StoreMetadata.FILE)), "the store is untouched");
    }

    @Test
    void shouldRefuseAStoreThatItDidNotCreateWhateverElseTheDirectoryHolds() throws Exception {
        Path store = root.resolve("real");
        makeStore(store);
        List<String> before = names(store);
        DemoRefusedException e = assertThrows(DemoRefusedException.class, () -> DemoDirectory.prepare(store));
        assertTrue(e.getMessage().contains("holds a pagestore store that the demo did not create"), e.getMessage());
        assertEquals(before, names(store));

        Files.writeString(store.resolve(DemoDirectory.MARKER), "");  // even with a marker: a store at the top level
        e = assertThrows(DemoRefusedException.class, () -> DemoDirectory.prepare(store));
        assertTrue(e.getMessage().contains("holds a store at its top level"), e.getMessage());
        assertTrue(Files.exists(store.resolve(StoreMetadata.FILE)));
    }

    @Test
    void shouldRefuseFilesItDidNotMake() throws Exception {
        Path home = root.resolve("demo");
        DemoDirectory.prepare(home);
        Files.writeString(home.resolve("thesis.txt"), "do not delete");
        DemoRefusedException e = assertThrows(DemoRefusedException.class, () -> DemoDirectory.prepare(home));
        assertTrue(e.getMessage().contains("holds thesis.txt, which the demo did not make"), e.getMessage());
        assertTrue(Files.exists(home.resolve("thesis.txt")));
    }

    @Test
    void shouldRefuseADirectoryThatIsNotADirectory() throws Exception {
        Path file = Files.writeString(root.resolve("file"), "x");
        assertThrows(DemoRefusedException.class, () -> DemoDirectory.prepare(file));
        assertFalse(Files.isDirectory(file));
    }
}

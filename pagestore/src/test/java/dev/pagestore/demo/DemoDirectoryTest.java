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

    /** A store made by a manager (with a random id, recorded nowhere), or started by one when it exists. */
    private static void makeStore(Path store) throws Exception {
        try (PageStoreManager manager = PageStoreManager.start(ManagerConfig.defaults(store).withCapacityPages(64)
                .withCheckpointIntervalMillis(0))) {
            assertEquals(1, manager.epoch());
        }
    }

    /** A store as the demo makes it: its id recorded in the marker first, then a manager started on it. */
    private static void makeDemosStore(Path home, Path store) throws Exception {
        DemoDirectory.makeStore(home, store, 4096, 64);
        try (PageStoreManager manager = PageStoreManager.start(ManagerConfig.defaults(store).withCapacityPages(64)
                .withCheckpointIntervalMillis(0).withCreateStore(false))) {  // it exists: nothing to create
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
        makeDemosStore(home, store);
        Files.createDirectory(home.resolve("logs"));
        Files.writeString(home.resolve("logs/manager-1.log"), "log");

        assertEquals(store, DemoDirectory.prepare(home));
        assertEquals(List.of(DemoDirectory.MARKER), names(home), "emptied: the next run starts from nothing");
    }

    @Test
    void shouldEmptyAReplicatedRunsStandbyAndClusterButNoOtherStore() throws Exception {
        Path home = root.resolve("demo");
        Path store = DemoDirectory.prepare(home);
        makeDemosStore(home, store);
        Path standby = home.resolve(DemoDirectory.STANDBY);
        Files.createDirectory(standby);
        StoreMetadata.read(store).orElseThrow().write(standby);  // a copy of the demo's store: the same id
        Files.createDirectories(home.resolve(DemoDirectory.CLUSTER).resolve("bookie-0/journal"));
        assertEquals(store, DemoDirectory.prepare(home));
        assertEquals(List.of(DemoDirectory.MARKER), names(home), "standby and cluster emptied with the rest");

        makeDemosStore(home, store);
        Files.createDirectory(standby);
        makeStore(standby);  // another store where the standby was: not the demo's to delete
        DemoRefusedException e = assertThrows(DemoRefusedException.class, () -> DemoDirectory.prepare(home));
        assertTrue(e.getMessage().contains("not the store"), e.getMessage());
    }

    @Test
    void shouldRefuseAStoreInItsDirectoryThatIsNotTheOneItRecorded() throws Exception {
        Path home = root.resolve("demo");
        Path store = DemoDirectory.prepare(home);
        DemoDirectory.makeStore(home, store, 4096, 64);
        Files.delete(store.resolve(StoreMetadata.FILE));
        Files.delete(store);
        makeStore(store);  // another store (a random id) where the demo's was to be
        List<String> before = names(store);
        DemoRefusedException e = assertThrows(DemoRefusedException.class, () -> DemoDirectory.prepare(home));
        assertTrue(e.getMessage().contains("not the store") && e.getMessage().contains("deletes no store it cannot"
                + " prove is its own") && e.getMessage().contains("rm -r " + store.toRealPath()), e.getMessage());
        assertEquals(before, names(store), "the store is untouched");
    }

    /**
     * Issue 14, B12 (a): a run interrupted after the manager had created the store and before the demo recorded its
     * id refused its own store on the next run ("not the store null this demo made"). The id is recorded first now,
     * so a run cut short at any point leaves nothing store-like or a store the marker names.
     */
    @Test
    void shouldEmptyItsOwnStoreWhereverTheRunBeforeWasCutShort() throws Exception {
        Path home = root.resolve("demo");
        Path store = DemoDirectory.prepare(home);
        DemoDirectory.makeStore(home, store, 4096, 64);  // cut short before its manager ever started
        assertEquals(store, DemoDirectory.prepare(home));
        assertEquals(List.of(DemoDirectory.MARKER), names(home));

        DemoDirectory.makeStore(home, store, 4096, 64);
        makeStore(store);  // its manager created the data file and the WAL, then the run was killed
        assertEquals(store, DemoDirectory.prepare(home));
        assertEquals(List.of(DemoDirectory.MARKER), names(home));

        Files.writeString(home.resolve(DemoDirectory.MARKER), "storeId=" + java.util.UUID.randomUUID() + "\n");
        Files.createDirectory(store);  // the id recorded, the store not yet made
        assertEquals(store, DemoDirectory.prepare(home));
    }

    /**
     * Issue 14, B12 (b): with a marker that records no id and a {@code store/} holding {@code data.pages} and
     * {@code wal/} but no {@code store.properties}, the demo deleted them. It deletes nothing it cannot prove is its
     * own: it refuses and says what to delete by hand.
     */
    @Test
    void shouldRefuseStoreFilesItCannotProveAreItsOwn() throws Exception {
        Path home = root.resolve("demo");
        Path store = DemoDirectory.prepare(home);  // the marker records no store
        makeStore(store);
        Files.delete(store.resolve(StoreMetadata.FILE));  // data.pages and wal/ without store.properties
        List<String> before = names(store);
        DemoRefusedException e = assertThrows(DemoRefusedException.class, () -> DemoDirectory.prepare(home));
        assertTrue(e.getMessage().contains("records no store the demo made") && e.getMessage().contains("data.pages")
                && e.getMessage().contains("delete it by hand (rm -r " + store.toRealPath() + ")"), e.getMessage());
        assertEquals(before, names(store), "nothing deleted");
        assertTrue(names(store).contains(PageStoreManager.DATA_FILE) && names(store).contains("wal"));
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

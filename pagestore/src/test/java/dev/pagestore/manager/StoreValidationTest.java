package dev.pagestore.manager;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.client.ClientOptions;
import dev.pagestore.client.PageStoreClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14, item 6: a start trusts no damaged file, validates everything before it changes anything, and refuses
 * with one line naming the file, what is wrong and what to do. Each test damages a real store the way an operator or
 * a crash would, and checks that the start is refused and the directory is byte for byte as it was.
 */
class StoreValidationTest {
    private static final int PAGE = 4096;

    @TempDir
    Path root;

    private Path store() {
        return root.resolve("store");
    }

    private ManagerConfig config() {
        return ManagerConfig.defaults(store()).withCapacityPages(256).withCheckpointIntervalMillis(0);
    }

    /** A store with content, cleanly stopped. */
    private void makeStore() throws Exception {
        try (PageStoreManager manager = PageStoreManager.start(config());
                PageStoreClient client = PageStoreClient.attach(store(), ClientOptions.defaults())) {
            for (long page = 0; page < 16; page++) {
                client.write(page, PageStoreManagerTest.page(PAGE, page, 1));
            }
        }
    }

    /** Every file under the store: its bytes' SHA-256 (and a directory's name), so any change shows. */
    private Map<String, String> snapshot() throws Exception {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(store())) {
            for (Path p : walk.toList()) {
                String key = store().relativize(p).toString();
                if (Files.isSymbolicLink(p)) {
                    files.put(key, "link to " + Files.readSymbolicLink(p));
                } else if (Files.isRegularFile(p)) {
                    files.put(key, HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                            .digest(Files.readAllBytes(p))));
                } else {
                    files.put(key, "directory");
                }
            }
        }
        return files;
    }

    private StoreRefusedException refused(ManagerConfig config) {
        return assertThrows(StoreRefusedException.class, () -> PageStoreManager.start(config).close());
    }

    private static void assertOneLine(String message) {
        assertFalse(message.contains("\n"), "one line: " + message);
    }

    @Test
    void shouldRefuseAStoreWhoseStorePropertiesWasDeletedAndLeaveItsDataAlone() throws Exception {
        makeStore();
        Files.delete(store().resolve(StoreMetadata.FILE));
        Map<String, String> before = snapshot();
        // the page size asked for differs from the store's: guessing it would garble every page
        StoreRefusedException e = refused(config().withPageSizeBytes(8192));
        assertTrue(e.getMessage().contains("store.properties is missing") && e.getMessage().contains("data.pages")
                && e.getMessage().contains("restore store.properties from a backup"), e.getMessage());
        assertOneLine(e.getMessage());
        assertEquals(before, snapshot(), "nothing changed: no new store over the old data");
    }

    @Test
    void shouldRefuseAShortDataFileAndNotExtendIt() throws Exception {
        makeStore();
        Path data = store().resolve(PageStoreManager.DATA_FILE);
        try (var channel = Files.newByteChannel(data, StandardOpenOption.WRITE)) {
            channel.truncate(100L * PAGE);
        }
        Map<String, String> before = snapshot();
        StoreRefusedException e = refused(config());
        assertTrue(e.getMessage().contains(data + " is " + 100L * PAGE + " bytes") && e.getMessage().contains(
                "truncated"), e.getMessage());
        assertEquals(100L * PAGE, Files.size(data), "never re-extended with zeros");
        assertEquals(before, snapshot());
    }

    @Test
    void shouldRefuseASymlinkedDataFile() throws Exception {
        makeStore();
        Path data = store().resolve(PageStoreManager.DATA_FILE);
        Path elsewhere = Files.move(data, root.resolve("elsewhere.pages"));
        Files.createSymbolicLink(data, elsewhere);
        Map<String, String> before = snapshot();
        byte[] target = Files.readAllBytes(elsewhere);
        StoreRefusedException e = refused(config());
        assertTrue(e.getMessage().contains(data + " is a symbolic link"), e.getMessage());
        assertEquals(before, snapshot());
        assertArrayEquals(target, Files.readAllBytes(elsewhere), "the link's target is untouched");
    }

    @Test
    void shouldNameTheFileWhenStorePropertiesIsNotUtf8() throws Exception {
        makeStore();
        Path properties = store().resolve(StoreMetadata.FILE);
        byte[] text = Files.readAllBytes(properties);
        byte[] damaged = java.util.Arrays.copyOf(text, text.length + 2);
        damaged[text.length] = (byte) 0xC3;  // a UTF-8 lead byte followed by no continuation byte
        damaged[text.length + 1] = (byte) 0x28;
        Files.write(properties, damaged);
        StoreRefusedException e = refused(config());
        assertTrue(e.getMessage().contains(properties + " is not valid UTF-8"), e.getMessage());
        assertOneLine(e.getMessage());
    }

    @Test
    void shouldNameTheFileAndTheKeyWhenStorePropertiesLacksOne() throws Exception {
        makeStore();
        Path properties = store().resolve(StoreMetadata.FILE);
        String text = Files.readString(properties).replaceAll("(?m)^capacityPages=.*$", "");
        Files.writeString(properties, text);
        StoreRefusedException e = refused(config());
        assertTrue(e.getMessage().contains(properties + " is damaged (no capacityPages)"), e.getMessage());
    }

    @Test
    void shouldRefuseTheStorePropertiesOfAnotherStore() throws Exception {
        makeStore();
        Path other = root.resolve("other");
        try (PageStoreManager manager = PageStoreManager.start(ManagerConfig.defaults(other).withCapacityPages(256)
                .withCheckpointIntervalMillis(0))) {
            assertEquals(1, manager.epoch());  // a store of the same shape, with its own id
        }
        Files.copy(other.resolve(StoreMetadata.FILE), store().resolve(StoreMetadata.FILE),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Map<String, String> before = snapshot();
        StoreRefusedException e = refused(config());
        assertTrue(e.getMessage().contains("holds the WAL of store") && e.getMessage().contains("copied from another"
                + " store"), e.getMessage());
        assertEquals(before, snapshot());
    }

    @Test
    void shouldRefuseTheWalOfAnotherStore() throws Exception {
        makeStore();
        Path other = root.resolve("other");
        try (PageStoreManager manager = PageStoreManager.start(ManagerConfig.defaults(other).withCapacityPages(256)
                .withCheckpointIntervalMillis(0))) {
            assertEquals(1, manager.epoch());
        }
        Path wal = store().resolve(PageStoreManager.WAL_DIRECTORY);
        try (Stream<Path> files = Files.list(wal)) {
            for (Path p : files.toList()) {
                Files.delete(p);
            }
        }
        try (Stream<Path> files = Files.list(other.resolve(PageStoreManager.WAL_DIRECTORY))) {
            for (Path p : files.toList()) {
                Files.copy(p, wal.resolve(p.getFileName()));
            }
        }
        Map<String, String> before = snapshot();
        StoreRefusedException e = refused(config());
        assertTrue(e.getMessage().contains("holds the WAL of store"), e.getMessage());
        assertEquals(before, snapshot());
    }

    @Test
    void shouldRefuseAStoreWhoseWalControlFileIsGone() throws Exception {
        makeStore();
        Files.delete(store().resolve(PageStoreManager.WAL_DIRECTORY).resolve("wal.control"));
        Map<String, String> before = snapshot();
        StoreRefusedException e = refused(config());
        assertTrue(e.getMessage().contains("wal.control is missing"), e.getMessage());
        assertEquals(before, snapshot());
    }

    /** B5 and S4 in one JVM: recovery refuses a log without its redo segment, and leaves no .lock the start made. */
    @Test
    void shouldRefuseALogWithoutItsRedoSegmentAndLeaveNoLockBehind() throws Exception {
        makeStore();
        Path wal = store().resolve(PageStoreManager.WAL_DIRECTORY);
        try (Stream<Path> files = Files.list(wal)) {
            for (Path p : files.filter(p -> p.toString().endsWith(".wal")).toList()) {
                Files.delete(p);
            }
        }
        Files.delete(store().resolve(DirectoryOwnership.LOCK_FILE));
        Map<String, String> before = snapshot();
        StoreRefusedException e = refused(config());
        assertTrue(e.getMessage().contains("0000000000000000.wal, which holds the redo point")
                && e.getMessage().contains("does not exist"), e.getMessage());
        assertOneLine(e.getMessage());
        assertEquals(before, snapshot(), "no .lock left, nothing else changed");
    }

    @Test
    void shouldRefuseAWalControlFileWithNoValidSlot() throws Exception {
        makeStore();
        Path control = store().resolve(PageStoreManager.WAL_DIRECTORY).resolve("wal.control");
        Files.write(control, new byte[(int) Files.size(control)]);
        Map<String, String> before = snapshot();
        StoreRefusedException e = refused(config());
        assertTrue(e.getMessage().startsWith(control + " cannot be read") && e.getMessage().contains("restore the"
                + " store"), e.getMessage());
        assertOneLine(e.getMessage());
        assertEquals(before, snapshot());
    }

    /**
     * S2: a test's log directory (here one that can fail fdatasyncs) used to skip the WAL checks altogether. Whatever
     * directory the WAL runs on is checked now.
     */
    @Test
    void shouldCheckTheLogDirectoryATestGivesTheManagerAsAnyOther() throws Exception {
        java.util.concurrent.atomic.AtomicReference<FailingLogDirectory> wal =
                new java.util.concurrent.atomic.AtomicReference<>();
        try (PageStoreManager manager = FailingLogDirectory.start(config(), wal);
                PageStoreClient client = PageStoreClient.attach(store(), ClientOptions.defaults())) {
            client.write(1, PageStoreManagerTest.page(PAGE, 1, 1));
            assertEquals(1, manager.epoch());
        }
        Files.delete(store().resolve(PageStoreManager.WAL_DIRECTORY).resolve("wal.control"));
        wal.set(null);
        Map<String, String> before = snapshot();
        StoreRefusedException e = assertThrows(StoreRefusedException.class,
                () -> FailingLogDirectory.start(config(), wal).close());
        assertTrue(e.getMessage().contains("wal.control is missing"), e.getMessage());
        assertTrue(wal.get() != null, "checked through the directory the test gave");
        assertEquals(before, snapshot());
    }

    @Test
    void shouldRefuseAnotherPageSizeAndAShrinkNamingTheStoresValues() throws Exception {
        makeStore();
        Map<String, String> before = snapshot();
        StoreRefusedException size = refused(config().withPageSizeBytes(8192));
        assertTrue(size.getMessage().contains("give --page-size 4096"), size.getMessage());
        StoreRefusedException shrink = refused(config().withCapacityPages(100));
        assertTrue(shrink.getMessage().contains("never shrinks") && shrink.getMessage().contains("256"),
                shrink.getMessage());
        assertEquals(before, snapshot());
    }

    @Test
    void shouldCreateAStoreOnlyInAnEmptyDirectory() throws Exception {
        Files.createDirectories(store());
        Files.writeString(store().resolve("notes.txt"), "mine");
        StoreRefusedException e = refused(config());
        assertTrue(e.getMessage().contains("is not empty (it holds notes.txt)"), e.getMessage());
        try (Stream<Path> entries = Files.list(store())) {
            assertEquals(1, entries.count(), "nothing created beside it: no .lock, no store.properties");
        }
    }

    @Test
    void shouldGiveANewStoreAnIdentityThatTheWalShares() throws Exception {
        makeStore();
        StoreMetadata metadata = StoreMetadata.read(store()).orElseThrow();
        assertEquals(StoreMetadata.FORMAT_VERSION, metadata.formatVersion());
        assertEquals(1, metadata.epoch());
        assertEquals(java.util.Optional.of(metadata.storeId()), dev.pagestore.wal.WriteAheadLog.readLogId(
                dev.pagestore.wal.LogDirectories.open(store().resolve("wal"), dev.pagestore.wal.LogDirectories.Kind.FILE)));
        try (PageStoreManager manager = PageStoreManager.start(config())) {
            assertEquals(2, manager.epoch());
        }
        assertEquals(metadata.storeId(), StoreMetadata.read(store()).orElseThrow().storeId());
    }

    @Test
    void shouldGiveAStoreFromBeforeStoreIdsAnIdentityAndKeepItsData() throws Exception {
        makeStore();
        // what an older pagestore wrote: no formatVersion, no storeId
        Files.writeString(store().resolve(StoreMetadata.FILE), "pageSizeBytes=4096\ncapacityPages=256\nepoch=1\n");
        try (PageStoreManager manager = PageStoreManager.start(config());
                PageStoreClient client = PageStoreClient.attach(store(), ClientOptions.defaults())) {
            assertArrayEquals(PageStoreManagerTest.page(PAGE, 3, 1), client.read(3));
        }
        StoreMetadata upgraded = StoreMetadata.read(store()).orElseThrow();
        assertEquals(StoreMetadata.FORMAT_VERSION, upgraded.formatVersion());
        try (PageStoreManager manager = PageStoreManager.start(config())) {
            assertEquals(upgraded.storeId(), StoreMetadata.read(store()).orElseThrow().storeId(), "the id is kept");
        }
    }

    @Test
    void shouldFinishAGrowthThatACrashCutShort() throws Exception {
        makeStore();
        StoreMetadata metadata = StoreMetadata.read(store()).orElseThrow();
        // as a start that died after recording the growth and extending the data file, before recording the end
        metadata.withGrowingToPages(512).write(store());
        try (var channel = Files.newByteChannel(store().resolve(PageStoreManager.DATA_FILE),
                StandardOpenOption.WRITE)) {
            channel.position(512L * PAGE - 1).write(java.nio.ByteBuffer.wrap(new byte[1]));
        }
        try (PageStoreManager manager = PageStoreManager.start(config().withCapacityPages(256 * 2));
                PageStoreClient client = PageStoreClient.attach(store(), ClientOptions.defaults())) {
            client.write(511, PageStoreManagerTest.page(PAGE, 511, 1));
            assertArrayEquals(PageStoreManagerTest.page(PAGE, 5, 1), client.read(5));
        }
        StoreMetadata grown = StoreMetadata.read(store()).orElseThrow();
        assertEquals(512, grown.capacityPages());
        assertEquals(0, grown.growingToPages());
        assertEquals(512L * PAGE, Files.size(store().resolve(PageStoreManager.DATA_FILE)));
    }

    @Test
    void shouldNameTheValueAndTheLimitOfATooLargeCapacity() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> config().withCapacityPages(Long.MAX_VALUE / 2));
        assertTrue(e.getMessage().contains("capacityPages=" + Long.MAX_VALUE / 2) && e.getMessage().contains("1 PiB"),
                e.getMessage());
    }

    @Test
    void shouldReportAFailedShutdownCheckpoint() throws Exception {
        java.util.concurrent.atomic.AtomicReference<FailingLogDirectory> wal =
                new java.util.concurrent.atomic.AtomicReference<>();
        PageStoreManager manager = FailingLogDirectory.start(config(), wal);
        try (PageStoreClient client = PageStoreClient.attach(store(), ClientOptions.defaults())) {
            client.write(1, PageStoreManagerTest.page(PAGE, 1, 1));
        }
        wal.get().failNextDatasyncs("wal.control", 1);
        manager.close();
        assertTrue(manager.shutdownCheckpointFailure() != null, "close() reports the checkpoint it could not make");
        assertTrue(String.valueOf(manager.shutdownCheckpointFailure()).contains("control file"),
                String.valueOf(manager.shutdownCheckpointFailure()));
    }

    @Test
    void shouldLeaveNoGroupOrOtherBitsOnWhatTheStoreCreates() throws Exception {
        makeStore();
        try (Stream<Path> walk = Files.walk(store())) {
            for (Path p : walk.toList()) {
                int mode = ((Number) Files.getAttribute(p, "unix:mode", java.nio.file.LinkOption.NOFOLLOW_LINKS))
                        .intValue();
                assertEquals(0, mode & 0077, p + " has mode " + Integer.toOctalString(mode));
            }
        }
    }

    @Test
    void shouldRefuseADirectoryOthersMayWrite() throws Exception {
        makeStore();
        Files.setPosixFilePermissions(store(), java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        StoreRefusedException e = refused(config());
        assertTrue(e.getMessage().contains("is writable by others") && e.getMessage().contains("chmod go-w"),
                e.getMessage());
    }

    @Test
    void shouldRefuseADirectoryOfAnotherUser() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(dev.pagestore.ipc.linux.LibcProcesses.geteuid() == 0,
                "needs root to give the directory to another user");
        makeStore();
        Files.setAttribute(store(), "unix:uid", 65534);
        Map<String, String> before = snapshot();
        StoreRefusedException e = refused(config());
        assertTrue(e.getMessage().contains("belongs to uid 65534, not to this user (uid 0)"), e.getMessage());
        assertEquals(before, snapshot());
    }

    @Test
    void shouldTakeGroupAndOtherBitsFromFilesAnOlderVersionLeftReadable() throws Exception {
        makeStore();
        Path data = store().resolve(PageStoreManager.DATA_FILE);
        Files.setPosixFilePermissions(data, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        try (PageStoreManager manager = PageStoreManager.start(config())) {
            assertEquals(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"),
                    Files.getPosixFilePermissions(data));
        }
    }
}

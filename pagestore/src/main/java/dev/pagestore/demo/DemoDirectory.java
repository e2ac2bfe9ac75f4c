package dev.pagestore.demo;

import dev.pagestore.manager.DirectoryOwnership;
import dev.pagestore.manager.StoreMetadata;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * The demo's directory ({@code pagestore demo --dir HOME}): what the demo may empty, and nothing else.
 *
 * <h2>Why so strict</h2>
 * Every run starts from nothing, so the demo empties its directory. An earlier demo emptied whatever was given, a
 * live store included: pointed at a real store it deleted the store under its running manager. Now the demo empties
 * only a directory that does not exist, is empty, or carries its marker {@value #MARKER} <em>and</em> holds no store
 * the demo did not create; and never one a manager holds. Everything else is refused (exit code 2) with one line.
 *
 * <h2>Layout</h2>
 * <pre>
 *  HOME/.pagestore-demo   the marker: "made by pagestore demo", and the id of the store it made
 *  HOME/logs/             one log per process
 *  HOME/store/            the store (a manager creates a store only in an empty directory)
 * </pre>
 * A store in {@code HOME/store} counts as the demo's only when its {@code storeId} is the one in the marker, recorded
 * by {@link #recordStore} once the demo's manager has created it.
 */
final class DemoDirectory {
    static final String MARKER = ".pagestore-demo";
    static final String LOGS = "logs";
    static final String STORE = "store";
    private static final Set<String> STORE_FILES = Set.of(StoreMetadata.FILE, "data.pages", "wal");

    private DemoDirectory() {
    }

    /**
     * Makes {@code home} ready for a run: creates it (owner-only) or empties it, marks it, and returns the store
     * directory the demo's manager is to create.
     *
     * @throws DemoRefusedException when the directory is not the demo's to empty, or a manager holds it
     */
    static Path prepare(Path home) throws IOException {
        Path dir = home.toAbsolutePath().normalize();
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rwx------")));
            mark(dir, null);
            return dir.resolve(STORE);
        }
        if (!Files.isDirectory(dir)) {
            throw new DemoRefusedException(dir + " is not a directory: give the demo a directory of its own (--dir)");
        }
        dir = dir.toRealPath();
        Path store = dir.resolve(STORE);
        refuseWhileHeld(dir);
        if (Files.isDirectory(store, LinkOption.NOFOLLOW_LINKS)) {
            refuseWhileHeld(store);
        }
        Set<String> entries = names(dir);
        if (entries.isEmpty()) {
            mark(dir, null);
            return store;
        }
        List<String> storeFiles = entries.stream().filter(STORE_FILES::contains).toList();
        if (!entries.contains(MARKER)) {
            throw new DemoRefusedException(dir + (storeFiles.isEmpty()
                    ? " is neither empty nor a demo's directory (no " + MARKER + ")"
                    : " holds a pagestore store that the demo did not create (" + String.join(", ", storeFiles) + ")")
                    + "; the demo empties its directory and never deletes what it did not make: give another --dir");
        }
        if (!storeFiles.isEmpty()) {
            throw new DemoRefusedException(dir + " holds a store at its top level (" + String.join(", ", storeFiles)
                    + "): an older demo's, or a real store; the demo keeps its store in " + STORE + "/ and deletes"
                    + " no store it did not make: delete the directory by hand if it is an old demo's, or give"
                    + " another --dir");
        }
        Set<String> foreign = new TreeSet<>(entries);
        foreign.removeAll(Set.of(MARKER, LOGS, STORE));
        if (!foreign.isEmpty()) {
            throw new DemoRefusedException(dir + " holds " + String.join(", ", foreign) + ", which the demo did not"
                    + " make; the demo empties its directory: move them away, or give another --dir");
        }
        checkStoreIsTheDemos(dir, store);
        empty(dir.resolve(LOGS));
        if (Files.isDirectory(store, LinkOption.NOFOLLOW_LINKS)) {
            // held while it is emptied, so that no manager starts on it half way
            try (DirectoryOwnership ownership = DirectoryOwnership.acquire(store)) {
                emptyContents(store);
            }
        }
        empty(store);
        mark(dir, null);
        return store;
    }

    private static void refuseWhileHeld(Path directory) throws IOException {
        Optional<String> holder = DirectoryOwnership.holder(directory);
        if (holder.isPresent()) {
            throw new DemoRefusedException("a pagestore manager holds " + directory + " (" + holder.get() + "); the"
                    + " demo does not touch a store in use: stop that manager, or give the demo another --dir");
        }
    }

    private static void checkStoreIsTheDemos(Path dir, Path store) throws IOException {
        if (!Files.exists(store, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!Files.isDirectory(store, LinkOption.NOFOLLOW_LINKS)) {
            throw new DemoRefusedException(store + " is not a directory the demo made: move it away, or give"
                    + " another --dir");
        }
        UUID recorded = recordedStoreId(dir);
        Optional<StoreMetadata> metadata;
        try {
            metadata = StoreMetadata.read(store);
        } catch (IOException damaged) {
            throw new DemoRefusedException(store + " holds a store the demo cannot identify (" + damaged.getMessage()
                    + "); it deletes no store it did not make: delete it by hand, or give another --dir");
        }
        UUID found = metadata.map(StoreMetadata::storeId).orElse(null);
        boolean anyStoreFile = !names(store).stream().filter(n -> !n.equals(".lock")).toList().isEmpty();
        if (found == null && recorded == null) {
            return;  // never got as far as a store.properties with an id: the demo's own creation cut short
        }
        if (found == null ? anyStoreFile : !found.equals(recorded)) {
            throw new DemoRefusedException(store + " holds " + (found == null ? "store files without store.properties"
                    : "store " + found) + ", not the store " + recorded + " this demo made; it deletes no store it"
                    + " did not make: delete it by hand, or give another --dir");
        }
    }

    /**
     * Records in the marker that {@code store}, just created by the demo's manager, is the demo's, so that the next
     * run may empty it.
     */
    static void recordStore(Path home, Path store) throws IOException {
        Path dir = home.toAbsolutePath().normalize();
        StoreMetadata metadata = StoreMetadata.read(store).orElseThrow(() -> new IOException(store
                + " has no store.properties although its manager is ready"));
        mark(dir, metadata.storeId());
    }

    private static UUID recordedStoreId(Path dir) {
        try {
            Properties marker = new Properties();
            marker.load(new StringReader(Files.readString(dir.resolve(MARKER), StandardCharsets.UTF_8)));
            String id = marker.getProperty("storeId");
            return id == null ? null : UUID.fromString(id.trim());
        } catch (IOException | IllegalArgumentException e) {
            return null;  // an older demo's empty marker, or a damaged one: no store is recorded
        }
    }

    private static void mark(Path dir, UUID storeId) throws IOException {
        Path temporary = dir.resolve(MARKER + ".tmp");
        Files.deleteIfExists(temporary);
        Files.writeString(Files.createFile(temporary, PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rw-------"))),
                "# made by pagestore demo, which may empty this directory; the store it made:\n"
                        + (storeId == null ? "" : "storeId=" + storeId + "\n"), StandardCharsets.UTF_8);
        Files.move(temporary, dir.resolve(MARKER), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
    }

    private static Set<String> names(Path dir) throws IOException {
        Set<String> names = new TreeSet<>();
        try (Stream<Path> list = Files.list(dir)) {
            list.forEach(p -> names.add(p.getFileName().toString()));
        }
        return names;
    }

    /** Deletes {@code path} and, when it is a directory (not a link to one), everything under it. */
    private static void empty(Path path) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
            emptyContents(path);
        }
        Files.delete(path);
    }

    private static void emptyContents(Path directory) throws IOException {
        List<Path> all = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(directory)) {  // does not follow links: a link is deleted, not its target
            walk.filter(p -> !p.equals(directory)).forEach(all::add);
        }
        all.sort(Comparator.reverseOrder());
        for (Path p : all) {
            Files.delete(p);
        }
    }
}

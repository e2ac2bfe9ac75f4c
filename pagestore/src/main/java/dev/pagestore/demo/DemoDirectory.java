package dev.pagestore.demo;

import dev.pagestore.manager.DirectoryOwnership;
import dev.pagestore.manager.StoreMetadata;
import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
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
 *  HOME/store/            the store
 * </pre>
 *
 * <h2>Whose store</h2>
 * A store in {@code HOME/store} counts as the demo's only when its {@code storeId} is the one in the marker. The demo
 * makes that true by construction ({@link #makeStore}): it picks the id, records it in the marker, and only then
 * writes the store's {@code store.properties} with it; its manager then starts on that store (a store cut short at
 * creation: the data file and the WAL are made). So a run interrupted at any point leaves either nothing store-like or
 * a store the marker names. (Before, the manager created the store and the demo recorded its id afterwards: a run
 * interrupted in between left a store the next run refused as not its own.) Whatever the demo cannot prove is its own
 * (store files while the marker names no store, or names another) it never deletes: it refuses, saying what to delete
 * by hand.
 */
final class DemoDirectory {
    static final String MARKER = ".pagestore-demo";
    static final String LOGS = "logs";
    static final String STORE = "store";
    /** {@code --replicated}: the standby's store (the same store's copy) and the local cluster's files. */
    static final String STANDBY = "standby";
    static final String CLUSTER = "cluster";
    private static final Set<String> STORE_FILES = Set.of(StoreMetadata.FILE, "data.pages", "wal");
    /** In {@code store/}, nothing of a store: the lock a manager (or the demo) takes, a metadata write cut short. */
    private static final Set<String> NOT_STORE_LIKE = Set.of(".lock", StoreMetadata.FILE + ".tmp");

    private DemoDirectory() {
    }

    /**
     * Makes {@code home} ready for a run: creates it (owner-only) or empties it, marks it, and returns the store
     * directory, which {@link #makeStore} then makes.
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
        foreign.removeAll(Set.of(MARKER, LOGS, STORE, STANDBY, CLUSTER));
        if (!foreign.isEmpty()) {
            throw new DemoRefusedException(dir + " holds " + String.join(", ", foreign) + ", which the demo did not"
                    + " make; the demo empties its directory: move them away, or give another --dir");
        }
        checkStoreIsTheDemos(dir, store);
        Path standby = dir.resolve(STANDBY);
        checkStoreIsTheDemos(dir, standby);  // a copy of the same store: the same id
        if (Files.isDirectory(standby, LinkOption.NOFOLLOW_LINKS)) {
            refuseWhileHeld(standby);
            try (DirectoryOwnership ownership = DirectoryOwnership.acquire(standby)) {
                emptyContents(standby);
            }
        }
        empty(standby);
        empty(dir.resolve(CLUSTER));  // a cluster ends with its demo (its processes watch the demo's)
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

    /**
     * Refuses unless {@code store} holds nothing store-like, or the store whose id the marker records. Never guesses:
     * store files the demo cannot prove are its own are not deleted, whatever made them.
     */
    private static void checkStoreIsTheDemos(Path dir, Path store) throws IOException {
        if (!Files.exists(store, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!Files.isDirectory(store, LinkOption.NOFOLLOW_LINKS)) {
            throw new DemoRefusedException(store + " is not a directory the demo made: move it away, or give"
                    + " another --dir");
        }
        Set<String> files = names(store);
        files.removeAll(NOT_STORE_LIKE);
        if (files.isEmpty()) {
            return;  // a run cut short before its store was made: nothing of a store to lose
        }
        String deleteByHand = "; it deletes no store it cannot prove is its own: if it is the demo's, delete it by hand"
                + " (rm -r " + store + "), or give another --dir";
        UUID recorded = recordedStoreId(dir);
        if (recorded == null) {
            throw new DemoRefusedException(store + " holds " + String.join(", ", files) + " but " + dir.resolve(MARKER)
                    + " records no store the demo made" + deleteByHand);
        }
        Optional<StoreMetadata> metadata;
        try {
            metadata = StoreMetadata.read(store);
        } catch (IOException damaged) {
            throw new DemoRefusedException(store + " holds a store the demo cannot identify (" + damaged.getMessage()
                    + ")" + deleteByHand);
        }
        UUID found = metadata.map(StoreMetadata::storeId).orElse(null);
        if (!recorded.equals(found)) {
            throw new DemoRefusedException(store + " holds " + (found == null ? String.join(", ", files)
                    + " without a store id" : "store " + found) + ", not the store " + recorded + " this demo made"
                    + deleteByHand);
        }
    }

    /**
     * Makes the demo's store in {@code store} (made by {@link #prepare}, so it does not exist): records its new id in
     * the marker first, then creates the directory (owner-only) and its {@code store.properties} (epoch 0: created,
     * never started), for the demo's manager to start on.
     */
    static void makeStore(Path home, Path store, int pageSizeBytes, long capacityPages) throws IOException {
        StoreMetadata metadata = StoreMetadata.create(pageSizeBytes, capacityPages);
        mark(home.toAbsolutePath().normalize(), metadata.storeId());  // first: whatever exists after names it
        Files.createDirectory(store, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(
                "rwx------")));
        metadata.write(store);
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

    /** Writes the marker durably (the store it names is made only after it): temporary file, fsync, rename, fsync. */
    private static void mark(Path dir, UUID storeId) throws IOException {
        Path temporary = dir.resolve(MARKER + ".tmp");
        Files.deleteIfExists(temporary);
        try (FileChannel channel = FileChannel.open(temporary, Set.of(StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE), PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rw-------")))) {
            ByteBuffer text = StandardCharsets.UTF_8.encode("# made by pagestore demo, which may empty this directory;"
                    + " the store it made:\n" + (storeId == null ? "" : "storeId=" + storeId + "\n"));
            while (text.hasRemaining()) {
                channel.write(text);
            }
            channel.force(true);
        }
        Files.move(temporary, dir.resolve(MARKER), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel directory = FileChannel.open(dir, StandardOpenOption.READ)) {
            directory.force(true);
        }
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

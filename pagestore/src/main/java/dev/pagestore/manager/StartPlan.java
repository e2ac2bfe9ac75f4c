package dev.pagestore.manager;

import dev.pagestore.ipc.linux.Errno;
import dev.pagestore.ipc.linux.ErrnoException;
import dev.pagestore.ipc.linux.FileStatus;
import dev.pagestore.ipc.linux.LibcProcesses;
import dev.pagestore.protocol.PageStoreProtocol;
import dev.pagestore.wal.ControlFileDescriptor;
import dev.pagestore.wal.LogDirectory;
import dev.pagestore.wal.WriteAheadLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * What a manager start will do to its data directory, decided by looking only: {@link #inspect} reads the directory
 * and changes nothing, and refuses (with a {@link StoreRefusedException}) anything it would not be safe to go on
 * with. The manager acts on the plan only after that (PageStoreManager: create, recover, bump the epoch, grow).
 *
 * <h2>Rules</h2>
 * <ul>
 *   <li>{@code store.properties} exists exactly when the store does. Without it, a directory holding any of the
 *       store's files is refused (its page size and capacity are lost with the file, and are not guessed); any other
 *       content is refused too: a store is created only in an empty (or new) directory.</li>
 *   <li>The store's files are what they claim: regular files and directories, never symbolic links, owned by this
 *       user; {@code data.pages} is exactly {@code capacityPages x pageSizeBytes} bytes (a short file is refused,
 *       never extended with zeros; a longer one too, unless a growth to that size was under way).</li>
 *   <li>A store that has started once ({@code epoch} 1 or more) has its data file, {@code wal/} and the WAL's control
 *       file; a store whose creation was cut short (epoch 0) may lack the data file and the WAL, which are made.</li>
 *   <li>Options agree with the store: the page size is the store's; the capacity is at least the store's (more means
 *       growing it, after recovery).</li>
 *   <li>A store is created only when the start may create one ({@link ManagerConfig#createStore}, the command
 *       line's {@code --create}): a directory holding no store is otherwise refused, so that a mistyped path or an
 *       unmounted volume's empty mount point is never served as a new, empty store.</li>
 *   <li>The WAL is checked through the {@link LogDirectory} the manager will run it on (whatever it is), after the
 *       path checks of {@code DIR/wal}: a store that has served has its control file, the control file is readable
 *       and names this store (or no store yet).</li>
 * </ul>
 * What the log's records and segments hold is checked by the WAL's own open, which reads before it changes anything
 * and refuses a {@code CORRUPTION} stop (a damaged record, a missing or wrong-sized segment) before recovery applies
 * anything.
 *
 * @param metadata          the store as found, or as it will be created
 * @param creates           the directory is empty: the store is created
 * @param createsDataFile   {@code data.pages} is to be made (a new store, or a creation cut short)
 * @param targetCapacityPages the capacity once the start is done: the store's, or the larger one asked for
 * @param log               the store's WAL directory as the manager will use it, checked; null when {@code DIR/wal}
 *                          does not exist yet (a new store, or a creation cut short) and the start makes it
 */
record StartPlan(StoreMetadata metadata, boolean creates, boolean createsDataFile, long targetCapacityPages,
        LogDirectory log) {
    static final String DATA_FILE = PageStoreManager.DATA_FILE;
    static final String WAL_DIRECTORY = PageStoreManager.WAL_DIRECTORY;
    /** Files of the store other than store.properties: present without it, they mean a store lost its metadata. */
    private static final Set<String> STORE_FILES = Set.of(DATA_FILE, DATA_FILE + ".tmp", DATA_FILE + ".lock",
            WAL_DIRECTORY, PageStoreProtocol.SOCKET_FILE);
    /** What a directory may hold and still count as empty: the lock this start took, a metadata write cut short. */
    private static final Set<String> IGNORED_WHEN_EMPTY = Set.of(DirectoryOwnership.LOCK_FILE,
            StoreMetadata.FILE + ".tmp");

    /**
     * Inspects {@code directory} (owned by this process: its {@link DirectoryOwnership} is held) for a start with
     * {@code config}, opening its WAL directory, when there is one, through {@code config.walIo()}.
     *
     * @throws StoreRefusedException when the start must not go on; nothing was changed
     */
    static StartPlan inspect(Path directory, ManagerConfig config) throws IOException {
        StoreMetadata metadata = StoreMetadata.read(directory).orElse(null);
        if (metadata == null) {
            return forCreation(directory, config);
        }
        Path file = directory.resolve(StoreMetadata.FILE);
        checkOwnedRegularFile(file, FileStatus.ofPath(file), "store.properties");
        if (config.pageSizeBytes() != metadata.pageSizeBytes()) {
            throw new StoreRefusedException("the store in " + directory + " has pages of " + metadata.pageSizeBytes()
                    + " bytes, not " + config.pageSizeBytes() + ": give --page-size " + metadata.pageSizeBytes()
                    + " or leave it out");
        }
        if (config.capacityPages() < metadata.targetCapacityPages()) {
            throw new StoreRefusedException("the store in " + directory + " has " + metadata.targetCapacityPages()
                    + " pages and a store never shrinks, but " + config.capacityPages() + " were asked for: leave"
                    + " --capacity out, or ask for at least " + metadata.targetCapacityPages() + " pages");
        }
        boolean createsDataFile = checkDataFile(directory, metadata);
        LogDirectory log = checkWal(directory, metadata, config);
        return new StartPlan(metadata, false, createsDataFile, config.capacityPages(), log);
    }

    private static StartPlan forCreation(Path directory, ManagerConfig config) throws IOException {
        Set<String> entries = new TreeSet<>();
        try (Stream<Path> list = Files.list(directory)) {
            list.forEach(p -> entries.add(p.getFileName().toString()));
        }
        entries.removeAll(IGNORED_WHEN_EMPTY);
        List<String> storeFiles = entries.stream().filter(STORE_FILES::contains).toList();
        if (!storeFiles.isEmpty()) {
            throw new StoreRefusedException(directory.resolve(StoreMetadata.FILE) + " is missing but "
                    + directory + " holds " + String.join(", ", storeFiles) + " of a store: restore store.properties"
                    + " from a backup of this store (pagestore will not guess the page size or capacity)");
        }
        if (!entries.isEmpty()) {
            List<String> shown = entries.stream().limit(5).toList();
            throw new StoreRefusedException(directory + " is not empty (it holds " + String.join(", ", shown)
                    + (entries.size() > shown.size() ? " and " + (entries.size() - shown.size()) + " more" : "")
                    + ") and is not a store: a store is created only in an empty or new directory; give another"
                    + " --dir");
        }
        if (!config.createStore()) {
            throw new StoreRefusedException(noStore(directory));
        }
        return new StartPlan(StoreMetadata.create(config.pageSizeBytes(), config.capacityPages()), true, true,
                config.capacityPages(), null);
    }

    /** The refusal of a start without {@link ManagerConfig#createStore} where there is no store. */
    static String noStore(Path directory) {
        return directory + " holds no pagestore store; pass --create to make a new one there";
    }

    /** Checks {@code data.pages}; true when it is to be made (only in a store whose creation was cut short). */
    private static boolean checkDataFile(Path directory, StoreMetadata metadata) throws IOException {
        Path data = directory.resolve(DATA_FILE);
        FileStatus status = statusOrNull(data);
        if (status == null) {
            if (metadata.epoch() == 0) {
                return true;  // the creation stopped before the data file was made: it is made now
            }
            throw new StoreRefusedException(data + " is missing from a store that has held data: restore the store"
                    + " (the whole directory) from a backup");
        }
        checkOwnedRegularFile(data, status, "the data file");
        long size = Files.size(data);
        long expected = metadata.capacityBytes();
        long growing = metadata.growingToPages() * metadata.pageSizeBytes();
        if (size != expected && (growing == 0 || size != growing)) {
            throw new StoreRefusedException(data + " is " + size + " bytes but store.properties says " + expected
                    + " (" + metadata.capacityPages() + " pages of " + metadata.pageSizeBytes() + " bytes): it was "
                    + (size < expected ? "truncated" : "extended or replaced") + ", or store.properties is not this"
                    + " store's; restore the store (the whole directory) from a backup");
        }
        return false;
    }

    /** Checks {@code DIR/wal} and the log in it; the log directory opened as {@code config} says, or null. */
    private static LogDirectory checkWal(Path directory, StoreMetadata metadata, ManagerConfig config)
            throws IOException {
        Path wal = directory.resolve(WAL_DIRECTORY);
        FileStatus status = statusOrNull(wal);
        if (status == null) {
            if (metadata.epoch() == 0) {
                return null;  // the creation stopped before the WAL was made: its open makes it
            }
            throw new StoreRefusedException(wal + " is missing from a store that has held data: writes acknowledged"
                    + " since the last checkpoint are lost with it; restore the store (the whole directory) from a"
                    + " backup");
        }
        if (status.isSymbolicLink() || !status.isDirectory()) {
            throw new StoreRefusedException(wal + " is " + (status.isSymbolicLink() ? "a symbolic link" : "not a"
                    + " directory") + "; pagestore uses only a directory of its own there: put the WAL directory"
                    + " itself there");
        }
        checkOwner(wal, status, "the WAL directory");
        List<String> links = new ArrayList<>();
        try (Stream<Path> files = Files.list(wal)) {
            for (Path path : files.toList()) {
                FileStatus file = statusOrNull(path);
                if (file != null && file.isSymbolicLink()) {
                    links.add(path.getFileName().toString());
                }
            }
        }
        if (!links.isEmpty()) {
            throw new StoreRefusedException(wal + " holds symbolic links (" + String.join(", ", links) + "); the WAL"
                    + " uses only files of its own: put the files themselves there");
        }
        LogDirectory log = config.walIo().open(wal, config.backend());
        checkLog(log, wal, directory, metadata);
        return log;
    }

    /**
     * The log's own checks, through {@code log} (the directory the WAL will run on, whatever it is), read only: a
     * store that has served has a control file; the control file has a valid slot and names this store or none.
     */
    private static void checkLog(LogDirectory log, Path wal, Path directory, StoreMetadata metadata)
            throws IOException {
        Path control = wal.resolve(ControlFileDescriptor.FILE_NAME);
        if (!log.list().contains(ControlFileDescriptor.FILE_NAME)) {
            if (metadata.epoch() > 0) {
                throw new StoreRefusedException(control + " is missing: the WAL's redo point is lost, and recovery"
                        + " would guess where to start; restore the store (the whole directory) from a backup");
            }
            return;  // a creation cut short before the log was made
        }
        Optional<UUID> logId;
        try {
            logId = WriteAheadLog.readLogId(log);
        } catch (IOException damaged) {
            throw new StoreRefusedException(control + " cannot be read (" + damaged.getMessage() + "); restore the"
                    + " store (the whole directory) from a backup", damaged);
        }
        if (logId.isPresent() && metadata.storeId() != null && !logId.get().equals(metadata.storeId())) {
            throw new StoreRefusedException(log.describe() + " holds the WAL of store " + logId.get() + " but "
                    + directory.resolve(StoreMetadata.FILE) + " names store " + metadata.storeId() + ": one of them"
                    + " was copied from another store; restore the store (the whole directory) from a backup");
        }
    }

    private static void checkOwnedRegularFile(Path path, FileStatus status, String what) throws IOException {
        if (status.isSymbolicLink()) {
            throw new StoreRefusedException(path + " is a symbolic link; pagestore uses only a regular file of its own"
                    + " there (a link could lead anywhere): put the file itself there");
        }
        if (!status.isRegularFile()) {
            throw new StoreRefusedException(path + " is not a regular file, so it is not " + what + ": restore the"
                    + " store (the whole directory) from a backup");
        }
        checkOwner(path, status, what);
    }

    private static void checkOwner(Path path, FileStatus status, String what) throws IOException {
        if (status.uid() != LibcProcesses.geteuid()) {
            throw new StoreRefusedException(path + " (" + what + ") belongs to uid " + status.uid() + ", not to this"
                    + " user (uid " + LibcProcesses.geteuid() + "): run the manager as the store's owner, or chown the whole"
                    + " directory");
        }
    }

    private static FileStatus statusOrNull(Path path) throws ErrnoException {
        try {
            return FileStatus.ofPath(path);
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ENOENT) {
                return null;
            }
            throw e;
        }
    }
}

package dev.pagestore.manager;

import dev.pagestore.ipc.linux.ErrnoException;
import dev.pagestore.ipc.linux.FileStatus;
import dev.pagestore.ipc.linux.LibcProcesses;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Owner-only files for the store: how they are created, and the checks that refuse a data directory other users
 * could get into.
 *
 * <h2>Why</h2>
 * Other local users are untrusted: {@code data.pages} holds every page, the WAL every page written. Files created
 * with the process's umask (usually 022) were world-readable, and another user read every page. So the store creates
 * every directory 0700 and every file 0600 explicitly, and the manager also sets its umask to 077
 * ({@link PageStoreManager#start}) for whatever a library creates without a mode (the control socket, temporary
 * files). A directory owned by another user, or writable by group or others, is refused: whoever can write it can
 * replace the store's files under the manager.
 */
final class OwnerOnly {
    static final Set<PosixFilePermission> DIRECTORY = PosixFilePermissions.fromString("rwx------");
    static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");

    private OwnerOnly() {
    }

    static FileAttribute<Set<PosixFilePermission>> directoryAttribute() {
        return PosixFilePermissions.asFileAttribute(DIRECTORY);
    }

    static FileAttribute<Set<PosixFilePermission>> fileAttribute() {
        return PosixFilePermissions.asFileAttribute(FILE);
    }

    /** Creates {@code directory} and any missing parents 0700; an existing directory is left as it is. */
    static void createDirectories(Path directory) throws IOException {
        if (!Files.isDirectory(directory)) {
            Files.createDirectories(directory, directoryAttribute());
        }
    }

    /**
     * Refuses a data directory that is not a directory, belongs to another user, or that group or others may write.
     *
     * @throws StoreRefusedException naming what is wrong and the command that fixes it
     */
    static void checkDataDirectory(Path realDirectory) throws IOException {
        FileStatus status = FileStatus.ofPath(realDirectory);
        if (!status.isDirectory()) {
            throw new StoreRefusedException(realDirectory + " is not a directory: give a directory as --dir");
        }
        int uid = LibcProcesses.geteuid();
        if (status.uid() != uid) {
            throw new StoreRefusedException(realDirectory + " belongs to uid " + status.uid() + ", not to this user"
                    + " (uid " + uid + "): run the manager as the directory's owner, or give it a directory of its own");
        }
        if ((status.permissions() & 0022) != 0) {
            throw new StoreRefusedException(realDirectory + " is writable by " + ((status.permissions() & 0002) != 0
                    ? "others" : "its group") + " (mode " + String.format("%04o", status.permissions())
                    + "), who could replace the store's files: chmod go-w " + realDirectory
                    + " (pagestore creates it 0700)");
        }
    }

    /**
     * A one-line warning when group or others may list or enter the data directory (checked by
     * {@link #checkDataDirectory} first, so they cannot write it), else null. They read none of the store's files,
     * which are 0600, but see their names and sizes. Warned, not changed: the directory may be the operator's (a mount
     * point, a directory shared with other files), and pagestore changes no directory it did not create.
     */
    static String othersMayList(Path realDirectory) throws IOException {
        int mode = FileStatus.ofPath(realDirectory).permissions();
        if ((mode & 0077) == 0) {
            return null;
        }
        return realDirectory + " is mode " + String.format("%04o", mode) + ": other users can list the store's files"
                + " and see their sizes (not read them); chmod 700 " + realDirectory + " to close it (pagestore"
                + " makes its own directories 0700 and changes no directory it did not create)";
    }

    /**
     * Takes group and other bits away from the store's own files and directories where an older pagestore
     * left them (it created them with the umask), and returns how many it changed. Touches only {@code names} in
     * {@code directory} and the files of a {@code wal} directory among them, never follows a link, and leaves files
     * of other owners alone (the checks before refused those that matter).
     */
    static int tighten(Path directory, List<String> names) throws IOException {
        int changed = 0;
        for (String name : names) {
            Path path = directory.resolve(name);
            changed += tightenOne(path);
            if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
                try (Stream<Path> children = Files.list(path)) {
                    for (Path child : children.toList()) {
                        changed += tightenOne(child);
                    }
                }
            }
        }
        return changed;
    }

    private static int tightenOne(Path path) throws IOException {
        FileStatus status;
        try {
            status = FileStatus.ofPath(path);
        } catch (ErrnoException e) {
            return 0;  // not there (a name that is made later)
        }
        if ((status.permissions() & 0077) == 0 || status.uid() != LibcProcesses.geteuid()
                || !(status.isRegularFile() || status.isDirectory())) {
            return 0;
        }
        Files.setPosixFilePermissions(path, status.isDirectory() ? DIRECTORY : FILE);
        return 1;
    }
}

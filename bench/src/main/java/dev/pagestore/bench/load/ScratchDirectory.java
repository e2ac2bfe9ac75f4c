package dev.pagestore.bench.load;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The bench's {@code --dir}: a new or empty directory, so that everything in it is the bench's. It holds the scratch
 * store, the peers' data and the processes' logs; at the end the bench removes what it made there, and the directory
 * itself when it made that too, and nothing else. Anything but a new or empty directory is refused: a mistyped path
 * must never become a scratch area whose contents a benchmark overwrites or deletes.
 */
final class ScratchDirectory {
    /** The name of the processes' logs, kept when a run failed. */
    static final String LOGS = "logs";

    private final Path path;
    private final boolean created;
    private final List<String> made = new ArrayList<>();

    private ScratchDirectory(Path path, boolean created) {
        this.path = path;
        this.created = created;
    }

    /**
     * Takes {@code directory}: creates it (owner-only) when it does not exist and its parent does, uses it when it is
     * an empty directory.
     *
     * @throws RefusedException with what is wrong and what to do, for anything else
     */
    static ScratchDirectory claim(Path directory) throws IOException {
        Path absolute = directory.toAbsolutePath().normalize();
        if (Files.exists(absolute, LinkOption.NOFOLLOW_LINKS) || Files.isSymbolicLink(absolute)) {
            if (!Files.isDirectory(absolute)) {
                throw new RefusedException("--dir " + absolute + " is not a directory; give a new or empty directory");
            }
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(absolute)) {
                if (entries.iterator().hasNext()) {
                    throw new RefusedException("--dir " + absolute + " is not empty; give a new or empty directory"
                            + " (the bench writes and deletes only what it makes, so it takes nothing else)");
                }
            }
            return new ScratchDirectory(absolute.toRealPath(), false);
        }
        Path parent = absolute.getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new RefusedException("--dir " + absolute + ": its parent " + parent + " is not a directory; create"
                    + " the parent first, or give another --dir");
        }
        Files.createDirectory(absolute, PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));
        return new ScratchDirectory(absolute.toRealPath(), true);
    }

    Path path() {
        return path;
    }

    /** {@code name} in the directory, to be made by the bench or its children; {@link #cleanUp} removes it. */
    Path entry(String name) {
        if (!made.contains(name)) {
            made.add(name);
        }
        return path.resolve(name);
    }

    /** The logs' directory, made on first use. */
    Path logs() throws IOException {
        Path logs = entry(LOGS);
        Files.createDirectories(logs);
        return logs;
    }

    /**
     * Removes what the bench made (but its logs when {@code keepLogs}), then the directory when the bench made it and
     * it is empty. Best effort: returns what could not be removed, empty when everything was.
     */
    List<String> cleanUp(boolean keepLogs) {
        List<String> left = new ArrayList<>();
        for (String name : made) {
            if (keepLogs && name.equals(LOGS)) {
                continue;
            }
            try {
                deleteTree(path.resolve(name));
            } catch (IOException e) {
                left.add(path.resolve(name) + " (" + e.getMessage() + ")");
            }
        }
        if (created) {
            try (Stream<Path> entries = Files.list(path)) {
                if (entries.findAny().isEmpty()) {
                    Files.delete(path);
                }
            } catch (IOException e) {
                left.add(path + " (" + e.getMessage() + ")");
            }
        }
        return left;
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {  // does not follow links: a link is deleted, not its target
            for (Path each : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(each);
            }
        }
    }

    /** The directory cannot be the bench's; the message says why and what to do. */
    static final class RefusedException extends IOException {
        private static final long serialVersionUID = 1L;

        RefusedException(String message) {
            super(message);
        }
    }
}

package dev.pagestore.manager;

import dev.pagestore.ipc.linux.LibcProcesses;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A start's first steps, before anything in the store changes: the data directory made or found owner-only, owned
 * by this process ({@link DirectoryOwnership}), and its {@link StartPlan} inspected. A refusal at any step leaves
 * the directory as it was, with no {@code .lock} this start made.
 *
 * @param directory the real path of the data directory
 * @param ownership held until the manager closes
 * @param plan      what the start will do, every check passed
 */
record ClaimedDirectory(Path directory, DirectoryOwnership ownership, StartPlan plan) {
    private static final Logger LOG = LoggerFactory.getLogger(ClaimedDirectory.class);

    /**
     * Claims {@code config.directory()}, opening the WAL directory (when there is one) through {@code config.walIo()}.
     *
     * @throws ManagerAlreadyRunningException when another manager runs there
     * @throws StoreRefusedException when the directory or its files refuse a start; nothing was changed
     */
    static ClaimedDirectory claim(ManagerConfig config) throws IOException {
        if (!config.createStore() && !Files.exists(config.directory())) {
            // before anything is made: a mistyped path is not created, let alone served
            throw new StoreRefusedException(config.directory() + " does not exist, so it holds no pagestore store;"
                    + " pass --create to make a new one there");
        }
        // Owner-only by default (OwnerOnly): a manager is a process of its own, and nothing it creates, with an
        // explicit mode or without one (the control socket, a library's temporary file), is for other users.
        LibcProcesses.umask(0077);
        OwnerOnly.createDirectories(config.directory());
        Path directory = config.directory().toRealPath();
        OwnerOnly.checkDataDirectory(directory);
        String listable = OwnerOnly.othersMayList(directory);
        if (listable != null) {
            LOG.warn(listable);
        }
        DirectoryOwnership ownership = DirectoryOwnership.acquire(directory);
        try {
            return new ClaimedDirectory(directory, ownership, StartPlan.inspect(directory, config));
        } catch (IOException | RuntimeException refused) {
            ownership.abandon();  // a refused start leaves the directory as it was: no .lock it made
            throw refused;
        }
    }
}

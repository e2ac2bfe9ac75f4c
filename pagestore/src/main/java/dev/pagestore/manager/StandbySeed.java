package dev.pagestore.manager;

import dev.pagestore.replication.ReplicationConfig;
import dev.pagestore.replication.StandbyDirectory;
import dev.pagestore.replication.StoreShape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Makes a new standby's directory: a store with the primary's id, page size and capacity, never started (so its
 * first start makes the data file and the log, as any new store's), and the directory's replication record. It then
 * starts empty and applies the store's ledgers from the first.
 */
public final class StandbySeed {
    private StandbySeed() {
    }

    /**
     * Seeds {@code directory} as a standby of {@code storeId}, unless it already holds that store.
     *
     * @param create whether a new standby may be made ({@code --create}); without it a directory holding no store is
     *               refused, as a primary's is
     * @throws StoreRefusedException when the directory holds another store, or is not empty, or may not be made
     */
    public static void seed(Path directory, ReplicationConfig replication, UUID storeId, boolean create)
            throws IOException {
        Path absolute = directory.toAbsolutePath();
        var existing = Files.isDirectory(absolute, LinkOption.NOFOLLOW_LINKS) ? StoreMetadata.read(absolute)
                : java.util.Optional.<StoreMetadata>empty();
        if (existing.isPresent()) {
            if (!storeId.equals(existing.get().storeId())) {
                throw new StoreRefusedException(absolute + " holds store " + existing.get().storeId() + ", not "
                        + storeId + ": a standby's directory holds only the store it follows");
            }
            return;
        }
        if (!create) {
            throw new StoreRefusedException(StartPlan.noStore(absolute));
        }
        if (Files.exists(absolute, LinkOption.NOFOLLOW_LINKS)) {
            try (Stream<Path> entries = Files.list(absolute)) {
                if (entries.findAny().isPresent()) {
                    throw new StoreRefusedException(absolute + " is not empty and holds no store: a new standby is"
                            + " made only in a missing or empty directory");
                }
            }
        }
        StoreShape shape = StandbyDirectory.shapeOf(replication, storeId);
        OwnerOnly.createDirectories(absolute);
        new StoreMetadata(StoreMetadata.FORMAT_VERSION, storeId, shape.pageSizeBytes(), shape.capacityPages(), 0, 0)
                .write(absolute);
        StandbyDirectory.prepare(replication, absolute, storeId);
    }
}

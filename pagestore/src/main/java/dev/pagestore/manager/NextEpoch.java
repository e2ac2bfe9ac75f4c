package dev.pagestore.manager;

import java.io.IOException;
import java.nio.file.Path;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A start's last change to the store after recovery: the next epoch (the store has now served) and the capacity
 * asked for. A growth is recorded as under way in {@code store.properties} before the data file grows, so that a
 * crash half way is finished by the next start instead of refused as a damaged file.
 */
final class NextEpoch {
    private static final Logger LOG = LoggerFactory.getLogger(NextEpoch.class);

    private NextEpoch() {
    }

    /**
     * Writes the metadata of the store {@code found} in {@code directory} for its next epoch, with {@code storeId}
     * (the one recovery settled on) and at least {@code targetCapacityPages}, growing {@code dataFile} to it; returns
     * what it wrote.
     */
    static StoreMetadata begin(Path directory, Path dataFile, StoreMetadata found, UUID storeId,
            long targetCapacityPages) throws IOException {
        StoreMetadata next = found.withStoreId(storeId).withEpoch(found.epoch() + 1);
        if (targetCapacityPages > found.capacityPages()) {
            next = next.withGrowingToPages(targetCapacityPages);
            next.write(directory);
            DataFiles.resize(dataFile, targetCapacityPages * found.pageSizeBytes());
            LOG.info("grew {} from {} to {} pages", dataFile, found.capacityPages(), targetCapacityPages);
            next = next.withCapacityPages(targetCapacityPages).withGrowingToPages(0);
        }
        next.write(directory);
        return next;
    }
}

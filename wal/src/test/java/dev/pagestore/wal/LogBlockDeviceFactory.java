package dev.pagestore.wal;

import dev.pagestore.nvme.BlockDevice;
import java.io.IOException;

/**
 * Makes the {@link BlockDevice} behind a new file of a {@link QueuePairLogDirectory}: its capacity is the largest the
 * file may grow to (at least the segment size for segment files; the control file needs 1 KiB). Any backend works:
 * the simulated controller, the portable backend over a file, a region of a namespace.
 */
@FunctionalInterface
public interface LogBlockDeviceFactory {

    /** A new, zero-filled device for the file first created as {@code fileName}. */
    BlockDevice create(String fileName) throws IOException;
}

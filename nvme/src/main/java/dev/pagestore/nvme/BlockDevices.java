package dev.pagestore.nvme;

import dev.pagestore.nvme.portable.PortableBlockDevice;
import dev.pagestore.nvme.sim.SimulatedNvmeDevice;
import dev.pagestore.nvme.uring.IoUringBlockDevice;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Opens a file or block device with a chosen {@link Backend}: the one place that knows every backend's factory.
 *
 * <pre>{@code
 * Backend backend = Backend.defaultForThisMachine();        // once, at start-up
 * BlockDevice device = BlockDevices.open(dataFile, backend, DeviceFile.Options.create(1L << 30));
 * QueuePair qp = device.openQueuePair(128);                // owned by the calling thread
 * qp.transferOwnership(reactorThread);                     // hand it to its reactor before the first I/O
 * }</pre>
 *
 * Every backend claims the device for this process (a second opener gets {@link DeviceInUseException} naming the
 * owner's pid) and uses the system clock. For backend-specific settings (io_uring setup flags, the simulator's faults
 * and seed) use the backend's own factory.
 */
public final class BlockDevices {
    private BlockDevices() {
    }

    /**
     * Opens {@code path} with {@code backend}. For {@link Backend#SIMULATED} the file backs a simulated controller
     * whose capacity is {@code options.createSizeBytes()} when positive, else the file's size, rounded down to 4 KiB.
     *
     * @throws DeviceInUseException when another owner holds the device
     * @throws IOException          when it cannot be opened
     */
    public static BlockDevice open(Path path, Backend backend, DeviceFile.Options options) throws IOException {
        if (path == null || backend == null || options == null) {
            throw new IllegalArgumentException("path, backend and options are required (got " + path + ", "
                    + backend + ", " + options + ")");
        }
        return switch (backend) {
            case IO_URING -> IoUringBlockDevice.open(path, options);
            case PORTABLE -> PortableBlockDevice.open(path, options);
            case SIMULATED -> {
                long size = options.createSizeBytes() > 0 ? options.createSizeBytes() : Files.size(path);
                long capacity = size - size % 4096;
                if (capacity <= 0) {
                    throw new IllegalArgumentException("SIMULATED device " + path + " would have capacity " + size
                            + " bytes; pass DeviceFile.Options.create(sizeBytes)");
                }
                yield SimulatedNvmeDevice.builder().name("sim:" + path.getFileName()).capacityBytes(capacity)
                        .backingFile(path).build();
            }
        };
    }
}

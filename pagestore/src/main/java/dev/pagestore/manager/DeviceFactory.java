package dev.pagestore.manager;

import dev.pagestore.nvme.Backend;
import dev.pagestore.nvme.BlockDevice;
import dev.pagestore.nvme.BlockDevices;
import dev.pagestore.nvme.DeviceFile;
import dev.pagestore.nvme.sim.SimulatedNvmeDevice;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Opens the data file as a {@link BlockDevice}; the manager then opens one queue pair per reactor, on that reactor's
 * thread. Any backend plugs in here ({@link #named}).
 */
@FunctionalInterface
public interface DeviceFactory {
    /** Opens (creating or extending to {@code capacityBytes}) the data file {@code path}. */
    BlockDevice open(Path path, long capacityBytes) throws IOException;

    /** A name for logs and messages. */
    default String name() {
        return getClass().getSimpleName();
    }

    /** FileChannel positional I/O ({@code O_DIRECT} where available). */
    static DeviceFactory portable() {
        return of(Backend.PORTABLE);
    }

    /** {@code backend} as {@link BlockDevices#open} makes it, the data file created or extended to the capacity. */
    static DeviceFactory of(Backend backend) {
        return new DeviceFactory() {
            @Override
            public BlockDevice open(Path path, long capacityBytes) throws IOException {
                return BlockDevices.open(path, backend, DeviceFile.Options.create(capacityBytes));
            }

            @Override
            public String name() {
                return backend.cliName();
            }
        };
    }

    /** The simulated NVMe controller over the data file (no volatile cache), its latencies and faults seeded. */
    static DeviceFactory simulated(long seed) {
        return new DeviceFactory() {
            @Override
            public BlockDevice open(Path path, long capacityBytes) throws IOException {
                return SimulatedNvmeDevice.builder().name("sim:" + path.getFileName()).capacityBytes(capacityBytes)
                        .seed(seed).backingFile(path).build();
            }

            @Override
            public String name() {
                return "simulated";
            }
        };
    }

    /**
     * The backend called {@code name} on the command line ({@link Backend#named}): {@code auto} (io_uring where the
     * kernel offers it, else portable), {@code portable}, {@code simulated} (seeded by
     * {@link SimulatedNvmeDevice#SEED_PROPERTY}), or {@code io_uring}.
     */
    static DeviceFactory named(String name) {
        Backend backend = Backend.named(name);
        return backend == Backend.SIMULATED
                ? simulated(Long.getLong(SimulatedNvmeDevice.SEED_PROPERTY, 1L))
                : of(backend);
    }
}

package dev.pagestore.manager;

import dev.pagestore.nvme.BlockDevice;
import dev.pagestore.nvme.sim.SimulatedNvmeDevice;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Consumer;

/** The manager's simulated backend with the device handed to the test, which injects faults into it. */
public final class SimulatedDevices {
    private SimulatedDevices() {
    }

    /** {@link DeviceFactory#simulated(long)}, each device it opens given to {@code onOpen} first. */
    public static DeviceFactory simulated(long seed, Consumer<SimulatedNvmeDevice> onOpen) {
        DeviceFactory real = DeviceFactory.simulated(seed);
        return new DeviceFactory() {
            @Override
            public BlockDevice open(Path path, long capacityBytes) throws IOException {
                BlockDevice device = real.open(path, capacityBytes);
                onOpen.accept((SimulatedNvmeDevice) device);
                return device;
            }

            @Override
            public String name() {
                return real.name();
            }
        };
    }
}

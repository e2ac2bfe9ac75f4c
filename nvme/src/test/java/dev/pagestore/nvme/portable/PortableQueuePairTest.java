package dev.pagestore.nvme.portable;

import dev.pagestore.nvme.BlockDevice;
import dev.pagestore.nvme.DeviceFile;
import dev.pagestore.nvme.QueuePairContractTest;

import java.io.IOException;
import java.nio.file.Path;

/** The queue pair contract on the FileChannel backend over a regular file (O_DIRECT where supported). */
class PortableQueuePairTest extends QueuePairContractTest {
    @Override
    protected BlockDevice openDevice(Path directory, long seed) throws IOException {
        return PortableBlockDevice.open(directory.resolve("device.img"), DeviceFile.Options.create(CAPACITY_BYTES));
    }
}

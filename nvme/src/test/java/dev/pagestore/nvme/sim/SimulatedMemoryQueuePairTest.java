package dev.pagestore.nvme.sim;

import dev.pagestore.nvme.BlockDevice;
import dev.pagestore.nvme.QueuePairContractTest;

import java.io.IOException;
import java.nio.file.Path;

/** The queue pair contract on the simulated controller over memory, with out-of-order completion. */
class SimulatedMemoryQueuePairTest extends QueuePairContractTest {
    @Override
    protected BlockDevice openDevice(Path directory, long seed) throws IOException {
        return SimulatedNvmeDevice.builder()
                .capacityBytes(CAPACITY_BYTES)
                .seed(seed)
                .latency(LatencyModel.uniformTicks(0, 5))
                .build();
    }
}

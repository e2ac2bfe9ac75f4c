/**
 * A simulated NVMe controller with SPDK-style fault injection: real SQ/CQ mechanics (64-byte SQEs, 16-byte CQEs with
 * phase tag, doorbells, NVMe status codes), a seeded latency model counted in polls so that a run is deterministic for
 * a seed, and faults (error status, held, lost, late, duplicate and spurious completions, short transfers, torn writes,
 * volatile write cache lost, or written back in part, on power failure, rotten bits on the media). {@link dev.pagestore.nvme.sim.SimulatedNvmeDevice} is the shared
 * deterministic fault-injecting device for the tests of this and later modules.
 */
package dev.pagestore.nvme.sim;

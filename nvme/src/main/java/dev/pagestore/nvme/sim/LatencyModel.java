package dev.pagestore.nvme.sim;

import java.util.SplittableRandom;

/**
 * How long the simulated controller takes over a command, in <em>ticks</em>: one tick passes each time the owning
 * queue pair polls. Counting polls instead of nanoseconds makes a run a pure function of the seed and the sequence of
 * calls, independent of machine speed; with more than one tick of spread, commands complete out of order as on a
 * real device.
 *
 * @param minTicks the fewest extra polls before a command completes (0: on the first poll after submission)
 * @param maxTicks the most
 */
public record LatencyModel(int minTicks, int maxTicks) {
    /** Every command completes at the first poll after its doorbell, in submission order. */
    public static final LatencyModel IMMEDIATE = new LatencyModel(0, 0);

    public LatencyModel {
        if (minTicks < 0 || maxTicks < minTicks) {
            throw new IllegalArgumentException("minTicks=" + minTicks + ", maxTicks=" + maxTicks
                    + " must satisfy 0 <= min <= max");
        }
    }

    /** Uniform latency in {@code [minTicks, maxTicks]} polls. */
    public static LatencyModel uniformTicks(int minTicks, int maxTicks) {
        return new LatencyModel(minTicks, maxTicks);
    }

    /** The latency of the next command. */
    int sampleTicks(SplittableRandom random) {
        return minTicks == maxTicks ? minTicks : random.nextInt(minTicks, maxTicks + 1);
    }
}

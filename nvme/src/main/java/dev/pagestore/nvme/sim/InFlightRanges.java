package dev.pagestore.nvme.sim;

import java.util.ArrayList;
import java.util.List;

/**
 * The block ranges of the data commands a simulated controller has fetched and not yet completed, across all of its
 * queues, to count <em>overlaps</em>: a read or write fetched while a write to an overlapping range is in flight (or a
 * write while a read is). NVMe gives no order between commands in flight, and a real device may return a mix of old and
 * new blocks for such a read, or apply two such writes in either order, block by block. The host must never do it; the
 * simulator counts it so that tests can prove it does not ({@link SimulatedNvmeDevice#overlappingCommands()}).
 *
 * <p>Thread safety: synchronized; every queue of the device records here.
 */
final class InFlightRanges {
    private record Range(Object owner, boolean write, long firstBlock, long endBlock) {
    }

    private final List<Range> ranges = new ArrayList<>();
    private long overlaps;

    /** Records {@code owner}'s command over {@code [firstBlock, firstBlock + blocks)}, counting any overlap. */
    synchronized void begin(Object owner, boolean write, long firstBlock, int blocks) {
        long end = firstBlock + blocks;
        for (Range r : ranges) {
            if ((write || r.write) && r.firstBlock < end && firstBlock < r.endBlock) {
                overlaps++;
                break;
            }
        }
        ranges.add(new Range(owner, write, firstBlock, end));
    }

    /** Forgets {@code owner}'s command (it completed, was aborted, or its queue was deleted). */
    synchronized void end(Object owner) {
        for (int i = 0; i < ranges.size(); i++) {
            if (ranges.get(i).owner == owner) {
                ranges.remove(i);
                return;
            }
        }
    }

    synchronized long overlaps() {
        return overlaps;
    }
}

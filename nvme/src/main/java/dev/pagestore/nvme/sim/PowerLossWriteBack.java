package dev.pagestore.nvme.sim;

import java.util.SplittableRandom;

/**
 * What a power failure leaves of each write still in a {@link SimulatedMedia}'s volatile cache.
 *
 * <h2>Why</h2>
 * A drive without power-loss protection writes its cache back to the media in the background, in an order of its own:
 * at the moment the power goes, any part of an unflushed write may already be on the media. NVMe guarantees no more
 * than one block (AWUPF) per write; a write of several blocks may be torn between them. A model that loses every
 * cached write tests only the kindest case, so there are two:
 * <ul>
 *   <li><b>lose all</b> (the default): every cached write is gone, which makes "exactly the unflushed writes are
 *       lost" a test can count on;</li>
 *   <li><b>seeded</b>: each cached write is lost, on the media whole, or torn (its first blocks on the media, the rest
 *       gone), one third each, from the device's seed; a write of one block cannot tear, so it is lost or kept.</li>
 * </ul>
 * A block written twice since the last flush has only its newest content in the cache, so only that content or the
 * media's older one can survive (not an unflushed version in between).
 *
 * <p>Thread safety: confined to the media, which calls it under its lock.
 */
final class PowerLossWriteBack {
    private final SplittableRandom random;
    private long writesLost;
    private long writesKept;
    private long writesTorn;

    /** Decisions from {@code random}; null loses every cached write. */
    PowerLossWriteBack(SplittableRandom random) {
        this.random = random;
    }

    /** How many of the first of a cached write's {@code blocks} (in block order) reach the media. */
    int blocksKept(int blocks) {
        assert blocks > 0 : "a cached write has at least one block";
        int fate = random == null ? 0 : random.nextInt(blocks > 1 ? 3 : 2);  // one block cannot tear
        switch (fate) {
            case 0 -> {
                writesLost++;
                return 0;
            }
            case 1 -> {
                writesKept++;
                return blocks;
            }
            default -> {
                writesTorn++;
                return 1 + random.nextInt(blocks - 1);
            }
        }
    }

    long writesLost() {
        return writesLost;
    }

    long writesKept() {
        return writesKept;
    }

    long writesTorn() {
        return writesTorn;
    }
}

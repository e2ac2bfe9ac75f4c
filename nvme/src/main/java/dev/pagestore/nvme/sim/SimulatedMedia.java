package dev.pagestore.nvme.sim;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.pagestore.nvme.sim.Checks.requireArgument;

/**
 * The storage behind a {@link SimulatedNvmeDevice}: non-volatile media ({@link MediaBytes}) and, when
 * enabled, a volatile write cache in front of it.
 *
 * <h2>Volatile write cache</h2>
 * Like a consumer SSD without power-loss protection: a completed write sits in the cache and reads see it, but only a
 * flush (or the cache filling up, which writes back the oldest blocks) puts it on the media. At a power failure
 * ({@link #powerFail()}) every write completed before the last successful flush is present; what is left of each later
 * one is the {@link PowerLossWriteBack}'s decision: nothing (the default; keep {@code cacheBlocks} larger than a test's
 * unflushed writes to get "exactly the unflushed writes are lost"), or, seeded, nothing, all of it or its first
 * blocks.
 *
 * <h2>Damage</h2>
 * {@link #flipBit} rots a bit where every later read and every power failure see it: what checksums are for.
 *
 * <p>The simulator is test infrastructure: the cache allocates a {@code byte[]} per cached block. Thread-safe (the
 * device's queue pairs may run on different threads).
 */
public final class SimulatedMedia implements AutoCloseable {
    /** A cached block and the write that put it there (a power failure decides per write). */
    private record CachedBlock(long write, byte[] content) {
    }

    private final int blockSize;
    private final long capacityBytes;
    private final MediaBytes media;
    private final boolean volatileCache;
    private final int cacheBlocks;
    private final PowerLossWriteBack powerLoss;
    /**
     * Dirty blocks in the order of their latest write. The blocks of one write are adjacent, in block order: they are
     * put in together, and later writes only take some of them out.
     */
    private final LinkedHashMap<Long, CachedBlock> cache = new LinkedHashMap<>();
    private long writes;
    private long writeBacks;
    private long flushes;
    private long blocksLostToPowerFailure;

    SimulatedMedia(int blockSize, long capacityBytes, Path backingFile, boolean volatileCache, int cacheBlocks,
                   PowerLossWriteBack powerLoss) throws IOException {
        this.blockSize = blockSize;
        this.capacityBytes = capacityBytes;
        this.volatileCache = volatileCache;
        this.cacheBlocks = cacheBlocks;
        this.powerLoss = powerLoss;
        this.media = backingFile == null ? MediaBytes.inMemory(capacityBytes)
                : MediaBytes.mapped(backingFile, capacityBytes);
    }

    /** Copies {@code lengthBytes} at {@code offset} into {@code destination}, seeing cached writes. */
    synchronized void read(long offset, MemorySegment destination, int lengthBytes) {
        checkRange(offset, lengthBytes);
        media.read(offset, destination, 0, lengthBytes);
        if (cache.isEmpty()) {
            return;
        }
        for (long done = 0; done < lengthBytes; ) {
            long position = offset + done;
            long block = position / blockSize;
            int inBlock = (int) (position % blockSize);
            int chunk = (int) Math.min(blockSize - inBlock, lengthBytes - done);
            CachedBlock cached = cache.get(block);
            if (cached != null) {
                MemorySegment.copy(cached.content(), inBlock, destination, ValueLayout.JAVA_BYTE, done, chunk);
            }
            done += chunk;
        }
    }

    /** Writes {@code lengthBytes} from {@code source} at {@code offset} (block-aligned), through the cache if any. */
    synchronized void write(long offset, MemorySegment source, int lengthBytes) {
        checkRange(offset, lengthBytes);
        assert offset % blockSize == 0 && lengthBytes % blockSize == 0 : "unaligned media write";
        if (!volatileCache) {
            media.write(source, 0, offset, lengthBytes);
            return;
        }
        long write = ++writes;
        for (int done = 0; done < lengthBytes; done += blockSize) {
            long block = (offset + done) / blockSize;
            byte[] content = new byte[blockSize];
            MemorySegment.copy(source, ValueLayout.JAVA_BYTE, done, content, 0, blockSize);
            cache.remove(block);  // re-insert so the order is the order of the latest writes
            cache.put(block, new CachedBlock(write, content));
        }
        evictOverflow();
    }

    /** Writes zeroes over a block-aligned range, through the cache if any. */
    synchronized void zero(long offset, int lengthBytes) {
        checkRange(offset, lengthBytes);
        if (!volatileCache) {
            media.zero(offset, lengthBytes);
            return;
        }
        long write = ++writes;
        for (int done = 0; done < lengthBytes; done += blockSize) {
            long block = (offset + done) / blockSize;
            cache.remove(block);
            cache.put(block, new CachedBlock(write, new byte[blockSize]));
        }
        evictOverflow();
    }

    /** Makes every cached write durable. */
    synchronized void flush() {
        for (Iterator<Map.Entry<Long, CachedBlock>> it = cache.entrySet().iterator(); it.hasNext(); ) {
            writeBack(it.next());
            it.remove();
        }
        media.force();  // a mapped file's pages reach the disk: the simulated media is durable
        flushes++;
    }

    /**
     * Empties the volatile cache as a power failure does: of each cached write, the {@link PowerLossWriteBack} keeps
     * none, all or the first of its blocks. Returns how many cached blocks were lost.
     */
    synchronized int powerFail() {
        int lost = 0;
        List<Map.Entry<Long, CachedBlock>> oneWrite = new ArrayList<>();
        for (Map.Entry<Long, CachedBlock> entry : cache.entrySet()) {
            if (!oneWrite.isEmpty() && oneWrite.getFirst().getValue().write() != entry.getValue().write()) {
                lost += writeBackOnPowerLoss(oneWrite);
            }
            oneWrite.add(entry);
        }
        if (!oneWrite.isEmpty()) {
            lost += writeBackOnPowerLoss(oneWrite);
        }
        blocksLostToPowerFailure += lost;
        cache.clear();
        return lost;
    }

    /** Writes back what the power failure leaves of one write's cached blocks, clears the list; returns the lost. */
    private int writeBackOnPowerLoss(List<Map.Entry<Long, CachedBlock>> oneWrite) {
        int kept = powerLoss.blocksKept(oneWrite.size());
        for (int i = 0; i < kept; i++) {
            writeBack(oneWrite.get(i));
        }
        int lost = oneWrite.size() - kept;
        oneWrite.clear();
        return lost;
    }

    /**
     * Flips bit {@code bit} of the byte at {@code offset} on the media and in the cache's copy of its block, if any: a
     * sector that rotted, as every later read and every power failure see it.
     */
    public synchronized void flipBit(long offset, int bit) {
        requireArgument(offset >= 0 && offset < capacityBytes, "offset=%d is outside the media", offset);
        requireArgument(bit >= 0 && bit < 8, "bit=%d is not a bit of a byte", bit);
        byte mask = (byte) (1 << bit);
        media.set(offset, (byte) (media.get(offset) ^ mask));
        CachedBlock cached = cache.get(offset / blockSize);
        if (cached != null) {
            cached.content()[(int) (offset % blockSize)] ^= mask;
        }
    }

    /** Copies what is on the media (not the cache) at {@code offset}: what would survive a power failure now. */
    synchronized void readDurable(long offset, byte[] destination) {
        checkRange(offset, destination.length);
        media.read(offset, MemorySegment.ofArray(destination), 0, destination.length);
    }

    synchronized int dirtyBlocks() {
        return cache.size();
    }

    synchronized long writeBacks() {
        return writeBacks;
    }

    synchronized long blocksLostToPowerFailure() {
        return blocksLostToPowerFailure;
    }

    /** Flush commands executed (a flush the fault plan failed never reaches the media). */
    public synchronized long flushes() {
        return flushes;
    }

    /** Cached writes power failures left nothing of. */
    public synchronized long writesLostToPowerFailure() {
        return powerLoss.writesLost();
    }

    /** Cached writes power failures left on the media whole. */
    public synchronized long writesKeptAtPowerFailure() {
        return powerLoss.writesKept();
    }

    /** Cached writes power failures tore: their first blocks on the media, the rest lost. */
    public synchronized long writesTornByPowerFailure() {
        return powerLoss.writesTorn();
    }

    private void evictOverflow() {
        // Bounded: removes at most the overflow.
        while (cache.size() > cacheBlocks) {
            Iterator<Map.Entry<Long, CachedBlock>> it = cache.entrySet().iterator();
            writeBack(it.next());
            it.remove();
        }
    }

    private void writeBack(Map.Entry<Long, CachedBlock> entry) {
        media.write(MemorySegment.ofArray(entry.getValue().content()), 0, entry.getKey() * blockSize, blockSize);
        writeBacks++;
    }

    private void checkRange(long offset, long lengthBytes) {
        if (offset < 0 || lengthBytes < 0 || offset > capacityBytes - lengthBytes) {
            throw new IndexOutOfBoundsException("media range " + offset + "+" + lengthBytes
                    + " outside capacity " + capacityBytes);
        }
    }

    @Override
    public synchronized void close() {
        cache.clear();
        media.close();
    }
}

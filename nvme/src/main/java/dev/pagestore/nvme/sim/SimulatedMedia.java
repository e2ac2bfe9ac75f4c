package dev.pagestore.nvme.sim;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The storage behind a {@link SimulatedNvmeDevice}: non-volatile media (memory, or a memory-mapped file) and, when
 * enabled, a volatile write cache in front of it.
 *
 * <h2>Volatile write cache</h2>
 * Like a consumer SSD without power-loss protection: a completed write sits in the cache and reads see it, but only a
 * flush (or the cache filling up, which writes back the oldest blocks) puts it on the media. {@link #powerFail()}
 * drops what the cache holds. So after a power failure every write completed before the last successful flush is
 * present, and every later write is absent, unless the cache overflowed and wrote it back (keep
 * {@code cacheBlocks} larger than a test's unflushed writes to get "exactly the unflushed writes are lost").
 *
 * <p>The simulator is test infrastructure: the cache allocates a {@code byte[]} per cached block. Thread-safe (the
 * device's queue pairs may run on different threads).
 */
final class SimulatedMedia implements AutoCloseable {
    private final int blockSize;
    private final long capacityBytes;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment media;
    private final boolean fileBacked;
    private final boolean volatileCache;
    private final int cacheBlocks;
    /** Dirty blocks in write order: block number to content. */
    private final LinkedHashMap<Long, byte[]> cache = new LinkedHashMap<>();
    private long writeBacks;
    private long blocksLostToPowerFailure;

    SimulatedMedia(int blockSize, long capacityBytes, Path backingFile, boolean volatileCache, int cacheBlocks)
            throws IOException {
        this.blockSize = blockSize;
        this.capacityBytes = capacityBytes;
        this.volatileCache = volatileCache;
        this.cacheBlocks = cacheBlocks;
        this.fileBacked = backingFile != null;
        boolean success = false;
        try {
            if (backingFile == null) {
                media = arena.allocate(capacityBytes, 4096);  // zeroed: a new device reads as zeroes
            } else {
                try (RandomAccessFile file = new RandomAccessFile(backingFile.toFile(), "rw")) {
                    if (file.length() < capacityBytes) {
                        file.setLength(capacityBytes);
                    }
                    media = file.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, capacityBytes, arena);
                }
            }
            success = true;
        } finally {
            if (!success) {
                arena.close();
            }
        }
    }

    /** Copies {@code lengthBytes} at {@code offset} into {@code destination}, seeing cached writes. */
    synchronized void read(long offset, MemorySegment destination, int lengthBytes) {
        checkRange(offset, lengthBytes);
        MemorySegment.copy(media, offset, destination, 0, lengthBytes);
        if (cache.isEmpty()) {
            return;
        }
        for (long done = 0; done < lengthBytes; ) {
            long position = offset + done;
            long block = position / blockSize;
            int inBlock = (int) (position % blockSize);
            int chunk = (int) Math.min(blockSize - inBlock, lengthBytes - done);
            byte[] cached = cache.get(block);
            if (cached != null) {
                MemorySegment.copy(cached, inBlock, destination, ValueLayout.JAVA_BYTE, done, chunk);
            }
            done += chunk;
        }
    }

    /** Writes {@code lengthBytes} from {@code source} at {@code offset} (block-aligned), through the cache if any. */
    synchronized void write(long offset, MemorySegment source, int lengthBytes) {
        checkRange(offset, lengthBytes);
        assert offset % blockSize == 0 && lengthBytes % blockSize == 0 : "unaligned media write";
        if (!volatileCache) {
            MemorySegment.copy(source, 0, media, offset, lengthBytes);
            return;
        }
        for (int done = 0; done < lengthBytes; done += blockSize) {
            long block = (offset + done) / blockSize;
            byte[] content = new byte[blockSize];
            MemorySegment.copy(source, ValueLayout.JAVA_BYTE, done, content, 0, blockSize);
            cache.remove(block);  // re-insert so the order is the order of the latest writes
            cache.put(block, content);
        }
        evictOverflow();
    }

    /** Writes zeroes over a block-aligned range, through the cache if any. */
    synchronized void zero(long offset, int lengthBytes) {
        checkRange(offset, lengthBytes);
        if (!volatileCache) {
            media.asSlice(offset, lengthBytes).fill((byte) 0);
            return;
        }
        for (int done = 0; done < lengthBytes; done += blockSize) {
            long block = (offset + done) / blockSize;
            cache.remove(block);
            cache.put(block, new byte[blockSize]);
        }
        evictOverflow();
    }

    /** Makes every cached write durable. */
    synchronized void flush() {
        for (Iterator<Map.Entry<Long, byte[]>> it = cache.entrySet().iterator(); it.hasNext(); ) {
            writeBack(it.next());
            it.remove();
        }
        if (fileBacked) {
            media.force();  // the mapped file's pages reach the disk: the simulated media is durable
        }
    }

    /** Drops the volatile cache; returns how many unflushed blocks were lost. */
    synchronized int powerFail() {
        int lost = cache.size();
        blocksLostToPowerFailure += lost;
        cache.clear();
        return lost;
    }

    /** Copies what is on the media (not the cache) at {@code offset}: what would survive a power failure now. */
    synchronized void readDurable(long offset, byte[] destination) {
        checkRange(offset, destination.length);
        MemorySegment.copy(media, ValueLayout.JAVA_BYTE, offset, destination, 0, destination.length);
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

    private void evictOverflow() {
        // Bounded: removes at most the overflow.
        while (cache.size() > cacheBlocks) {
            Iterator<Map.Entry<Long, byte[]>> it = cache.entrySet().iterator();
            writeBack(it.next());
            it.remove();
        }
    }

    private void writeBack(Map.Entry<Long, byte[]> entry) {
        MemorySegment.copy(entry.getValue(), 0, media, ValueLayout.JAVA_BYTE, entry.getKey() * blockSize, blockSize);
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
        arena.close();
    }
}

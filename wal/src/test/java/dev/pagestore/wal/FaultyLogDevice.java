package dev.pagestore.wal;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * An in-memory {@link LogDevice} with a volatile write cache and fault injection, deterministic for a seed. It is the
 * disk the WAL's power-loss tests run on (STYLE.md: "a deterministic fault-injecting device is shared by the tests").
 *
 * <h2>Model</h2>
 * <ul>
 *   <li>Two images: the <em>visible</em> one (what reads see) and the <em>durable</em> one (what survives power
 *       loss). A {@link #write} updates the visible image and queues a pending write; {@link #datasync} applies
 *       every pending write (and the current size) to the durable image.</li>
 *   <li>{@link #powerFail()} decides each pending write's fate from the seed: lost, fully persisted, or torn &mdash;
 *       only a prefix ending on an absolute 512-byte sector boundary reaches the media (sectors are the unit of
 *       atomicity, as on NVMe with a 512-byte atomic write unit). The visible image is reset to the durable one and
 *       every later call fails with {@link IOException} until {@link #powerOn()}.</li>
 *   <li>Injectable failures: the next N writes or datasyncs fail with an {@code EIO}-like {@link IOException}. A
 *       failed datasync persists nothing (the kernel may have dropped the dirty pages: fsyncgate).</li>
 * </ul>
 *
 * <p>Thread safety: all methods are {@code synchronized}, so a test thread may cut power while the WAL writer thread
 * is inside a write.
 */
public final class FaultyLogDevice implements LogDevice {
    /** The atomic unit of the simulated media. */
    public static final int SECTOR_BYTES = 512;

    private record PendingWrite(long offset, byte[] bytes) {
    }

    private final String name;
    private final SplittableRandom random;
    private byte[] visible = new byte[0];
    private long visibleSize;
    private byte[] durable = new byte[0];
    private long durableSize;
    private final List<PendingWrite> pending = new ArrayList<>();
    private boolean poweredOff;
    private int writeFailuresToInject;
    private int datasyncFailuresToInject;
    private long writeCount;
    private long datasyncCount;

    /** An empty device whose power-loss decisions follow {@code seed}. */
    public FaultyLogDevice(String name, long seed) {
        this.name = name;
        this.random = new SplittableRandom(seed);
    }

    @Override
    public synchronized void write(long offset, MemorySegment source) throws IOException {
        checkPowered("write");
        if (offset < 0) {
            throw new IllegalArgumentException("offset=" + offset + " is negative");
        }
        if (writeFailuresToInject > 0) {
            writeFailuresToInject--;
            throw new IOException("injected EIO: write " + name + " @" + offset);
        }
        byte[] bytes = source.toArray(ValueLayout.JAVA_BYTE);
        visible = ensure(visible, offset + bytes.length);
        System.arraycopy(bytes, 0, visible, (int) offset, bytes.length);
        visibleSize = Math.max(visibleSize, offset + bytes.length);
        pending.add(new PendingWrite(offset, bytes));
        writeCount++;
    }

    @Override
    public synchronized long read(long offset, MemorySegment destination) throws IOException {
        checkPowered("read");
        long n = Math.max(0, Math.min(destination.byteSize(), visibleSize - offset));
        if (n > 0) {
            MemorySegment.copy(visible, (int) offset, destination, ValueLayout.JAVA_BYTE, 0, (int) n);
        }
        return n;
    }

    @Override
    public synchronized void datasync() throws IOException {
        checkPowered("datasync");
        if (datasyncFailuresToInject > 0) {
            datasyncFailuresToInject--;
            throw new IOException("injected EIO: datasync " + name);
        }
        for (PendingWrite write : pending) {
            persist(write.offset, write.bytes, write.bytes.length);
        }
        pending.clear();
        durableSize = visibleSize;
        durable = Arrays.copyOf(durable, (int) Math.max(durable.length, durableSize));
        datasyncCount++;
    }

    @Override
    public synchronized long size() throws IOException {
        checkPowered("size");
        return visibleSize;
    }

    @Override
    public synchronized void preallocate(long sizeBytes) throws IOException {
        checkPowered("preallocate");
        visible = ensure(visible, sizeBytes);
        visibleSize = Math.max(visibleSize, sizeBytes);
    }

    @Override
    public synchronized void truncate(long sizeBytes) throws IOException {
        checkPowered("truncate");
        visible = Arrays.copyOf(visible, (int) sizeBytes);
        visibleSize = sizeBytes;
    }

    @Override
    public void close() {
        // an in-memory file outlives its handles, like an inode outlives its descriptors
    }

    /**
     * Cuts power: each pending (un-synced) write is lost, fully persisted, or torn at a sector boundary, decided by the
     * seed; the visible image becomes the durable one; every call fails until {@link #powerOn()}.
     */
    public synchronized void powerFail() {
        for (PendingWrite write : pending) {
            int fate = random.nextInt(3);
            if (fate == 1) {
                persist(write.offset, write.bytes, write.bytes.length);
            } else if (fate == 2) {
                long end = write.offset + write.bytes.length;
                long firstBoundary = (write.offset / SECTOR_BYTES + 1) * SECTOR_BYTES;
                if (firstBoundary < end) {
                    long sectors = (end - firstBoundary + SECTOR_BYTES - 1) / SECTOR_BYTES;
                    long cut = Math.min(end, firstBoundary + random.nextLong(sectors + 1) * SECTOR_BYTES);
                    persist(write.offset, write.bytes, (int) (cut - write.offset));
                }
            }
        }
        pending.clear();
        visible = Arrays.copyOf(durable, durable.length);
        visibleSize = durableSize;
        poweredOff = true;
    }

    /** Restores power after {@link #powerFail()}. */
    public synchronized void powerOn() {
        poweredOff = false;
    }

    /** The next {@code count} writes fail. */
    public synchronized void failNextWrites(int count) {
        writeFailuresToInject = count;
    }

    /** The next {@code count} datasyncs fail. */
    public synchronized void failNextDatasyncs(int count) {
        datasyncFailuresToInject = count;
    }

    /** Flips one bit in both images (media corruption). */
    public synchronized void flipBit(long offset, int bit) {
        if (offset >= visibleSize) {
            throw new IllegalArgumentException("offset=" + offset + " is beyond size " + visibleSize);
        }
        visible[(int) offset] ^= (byte) (1 << bit);
        if (offset < durable.length) {
            durable[(int) offset] ^= (byte) (1 << bit);
        }
    }

    /** Cuts both images to {@code sizeBytes} (a truncated file). */
    public synchronized void truncateMedia(long sizeBytes) {
        visible = Arrays.copyOf(visible, (int) sizeBytes);
        visibleSize = sizeBytes;
        durable = Arrays.copyOf(durable, (int) Math.min(durable.length, sizeBytes));
        durableSize = Math.min(durableSize, sizeBytes);
    }

    public synchronized long writeCount() {
        return writeCount;
    }

    public synchronized long datasyncCount() {
        return datasyncCount;
    }

    public synchronized int pendingWriteCount() {
        return pending.size();
    }

    private void persist(long offset, byte[] bytes, int length) {
        durable = ensure(durable, offset + length);
        System.arraycopy(bytes, 0, durable, (int) offset, length);
        durableSize = Math.max(durableSize, offset + length);
    }

    private static byte[] ensure(byte[] array, long size) {
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("size=" + size + " is too large for an in-memory device");
        }
        return array.length >= size ? array : Arrays.copyOf(array, (int) Math.max(size, array.length * 2L));
    }

    private void checkPowered(String operation) throws IOException {
        if (poweredOff) {
            throw new IOException("power lost: " + operation + " " + name);
        }
    }

    @Override
    public String toString() {
        return "FaultyLogDevice[" + name + "]";
    }
}

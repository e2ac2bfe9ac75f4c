package dev.pagestore.ipc.ring;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.pagestore.ipc.memory.OrderedAccess;
import java.lang.foreign.MemorySegment;

/**
 * Layout of a single-producer/single-consumer ring in shared memory: a header of five 128-byte blocks followed by
 * {@code capacity} fixed-size entries.
 *
 * <pre>
 *  offset  size  field                    written by      read by
 *  ------  ----  -----------------------  --------------  -------------------------------------------
 *       0     4  magic 'RING' 0x474E4952   creator (last,  both ends on open (acquire)
 *                                          release)
 *       4     4  capacity (power of two)   creator         both ends on open
 *       8     4  entrySizeBytes            creator         both ends on open
 *      12   116  reserved (zero)
 *     128     8  producerSequence          producer        consumer (acquire); producer store is release
 *     136   120  padding
 *     256     8  consumerSequence          consumer        producer (acquire); consumer store is release
 *     264   120  padding
 *     384     4  producerWaitingFlag       producer raises/    consumer, after each release; it clears the flag
 *                                          lowers              by CAS before it wakes the producer
 *     388   124  padding
 *     512     4  consumerWaitingFlag       consumer raises/    producer, after each publish; it clears the flag
 *                                          lowers              by CAS before it wakes the consumer
 *     516   124  padding
 *     640     .  entries[capacity], each entrySizeBytes, entry i at 640 + i * entrySizeBytes
 * </pre>
 *
 * <h2>Design</h2>
 * Sequences count entries since the ring was formatted and never wrap (2^63 entries); entry {@code s} lives at index
 * {@code s & (capacity - 1)}. The invariant is {@code 0 <= consumerSequence <= producerSequence <= consumerSequence +
 * capacity}. The two sequences are two cache lines (128 bytes) apart, and so are the waiting flags, so that the
 * adjacent-line prefetcher of x86 does not pull a line the other process writes (false sharing). The flags sit on lines
 * of their own because they change only around sleeps: the peer reads them after every publish and should hit its own
 * cache. Cached copies of the remote sequence live in the Java objects of each end, never in shared memory.
 *
 * <p>The futex word of a sequence is its low 32 bits (little endian: the same address), so a sleeper waits on the very
 * word the peer publishes. A raised waiting flag is {@code 0x8000_0000 | (seen & 0x7FFF_FFFF)}, the sequence value the
 * sleeper saw; 0 means nobody sleeps ({@link dev.pagestore.ipc.wait.WaitPoint} explains the handshake).
 */
public final class RingDescriptor {
    /** x86_64 and aarch64 cache line. */
    public static final int CACHE_LINE_BYTES = 64;
    /** Separation between words written by different processes: two lines, to defeat adjacent-line prefetch. */
    public static final int SEPARATION_BYTES = 2 * CACHE_LINE_BYTES;
    /** 'RING' read as a little-endian int. */
    public static final int MAGIC = 0x474E4952;
    public static final int CAPACITY_MAX = 1 << 24;
    public static final int ENTRY_SIZE_MAX_BYTES = 4096;

    public static final long MAGIC_OFFSET;
    public static final long CAPACITY_OFFSET;
    public static final long ENTRY_SIZE_OFFSET;
    public static final long PRODUCER_SEQUENCE_OFFSET;
    public static final long CONSUMER_SEQUENCE_OFFSET;
    public static final long PRODUCER_WAITING_OFFSET;
    public static final long CONSUMER_WAITING_OFFSET;
    /** Where entry 0 starts; also the header size. */
    public static final long ENTRIES_OFFSET;

    static {
        long offset = 0;
        MAGIC_OFFSET = offset;
        offset += Integer.BYTES;
        CAPACITY_OFFSET = offset;
        offset += Integer.BYTES;
        ENTRY_SIZE_OFFSET = offset;
        offset = SEPARATION_BYTES;  // the configuration block is one separation wide
        PRODUCER_SEQUENCE_OFFSET = offset;
        offset += SEPARATION_BYTES;
        CONSUMER_SEQUENCE_OFFSET = offset;
        offset += SEPARATION_BYTES;
        PRODUCER_WAITING_OFFSET = offset;
        offset += SEPARATION_BYTES;
        CONSUMER_WAITING_OFFSET = offset;
        offset += SEPARATION_BYTES;
        ENTRIES_OFFSET = offset;

        assert ENTRY_SIZE_OFFSET + Integer.BYTES <= PRODUCER_SEQUENCE_OFFSET;
        assert CONSUMER_SEQUENCE_OFFSET - PRODUCER_SEQUENCE_OFFSET == SEPARATION_BYTES;
        assert CONSUMER_WAITING_OFFSET - PRODUCER_WAITING_OFFSET == SEPARATION_BYTES;
        assert PRODUCER_SEQUENCE_OFFSET % Long.BYTES == 0 && CONSUMER_SEQUENCE_OFFSET % Long.BYTES == 0;
        assert ENTRIES_OFFSET == 640 : "layout diagram says entries start at 640, built " + ENTRIES_OFFSET;
        assert ENTRIES_OFFSET % SEPARATION_BYTES == 0;
    }

    private RingDescriptor() {
    }

    /** Bytes a ring of {@code capacity} entries of {@code entrySizeBytes} needs, header included. */
    public static long requiredBytes(int capacity, int entrySizeBytes) {
        checkCapacity(capacity);
        checkEntrySize(entrySizeBytes);
        return ENTRIES_OFFSET + (long) capacity * entrySizeBytes;
    }

    /** Argument check: a power of two in [1, {@link #CAPACITY_MAX}]. */
    public static int checkCapacity(int capacity) {
        if (capacity < 1 || capacity > CAPACITY_MAX || Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("capacity=" + capacity + " must be a power of two in [1, "
                    + CAPACITY_MAX + "]");
        }
        return capacity;
    }

    /** Argument check: a multiple of 8 in [8, {@link #ENTRY_SIZE_MAX_BYTES}] so every entry's longs are aligned. */
    public static int checkEntrySize(int entrySizeBytes) {
        if (entrySizeBytes < Long.BYTES || entrySizeBytes > ENTRY_SIZE_MAX_BYTES || entrySizeBytes % Long.BYTES != 0) {
            throw new IllegalArgumentException("entrySizeBytes=" + entrySizeBytes + " must be a multiple of 8 in [8, "
                    + ENTRY_SIZE_MAX_BYTES + "]");
        }
        return entrySizeBytes;
    }

    /**
     * Formats an empty ring at the start of {@code ring} (creator side, before any other process can see it): zeros
     * the header and entries, writes capacity and entry size, then the magic with a release store, so that an end that
     * reads the magic with an acquire load also sees the rest.
     */
    public static void format(MemorySegment ring, int capacity, int entrySizeBytes) {
        long required = requiredBytes(capacity, entrySizeBytes);
        checkSegment(ring, required);
        ring.asSlice(0, required).fill((byte) 0);
        ring.set(JAVA_INT, CAPACITY_OFFSET, capacity);
        ring.set(JAVA_INT, ENTRY_SIZE_OFFSET, entrySizeBytes);
        OrderedAccess.setLongRelease(ring, PRODUCER_SEQUENCE_OFFSET, 0);
        OrderedAccess.setLongRelease(ring, CONSUMER_SEQUENCE_OFFSET, 0);
        OrderedAccess.setIntRelease(ring, MAGIC_OFFSET, MAGIC);  // last: publishes the configuration
    }

    /**
     * Validates a formatted ring against what the opener expects: magic, capacity, entry size, size of the segment,
     * and the sequence invariant. Used by both ends on open, and by tests.
     *
     * @throws RingProtocolException naming what was expected and what was found
     */
    public static void checkHeader(MemorySegment ring, String ringName, int expectedCapacity, int expectedEntrySize) {
        checkCapacity(expectedCapacity);
        checkEntrySize(expectedEntrySize);
        if (ring.byteSize() < ENTRIES_OFFSET) {
            throw new RingProtocolException(ringName + ": segment of " + ring.byteSize()
                    + " bytes is smaller than a ring header (" + ENTRIES_OFFSET + " bytes)");
        }
        int magic = OrderedAccess.getIntAcquire(ring, MAGIC_OFFSET);
        if (magic != MAGIC) {
            throw new RingProtocolException(ringName + ": expected ring magic 0x" + Integer.toHexString(MAGIC)
                    + ", found 0x" + Integer.toHexString(magic) + " (not a formatted ring)");
        }
        int capacity = ring.get(JAVA_INT, CAPACITY_OFFSET);
        int entrySize = ring.get(JAVA_INT, ENTRY_SIZE_OFFSET);
        if (capacity != expectedCapacity || entrySize != expectedEntrySize) {
            throw new RingProtocolException(ringName + ": expected capacity=" + expectedCapacity + " entrySizeBytes="
                    + expectedEntrySize + ", found capacity=" + capacity + " entrySizeBytes=" + entrySize);
        }
        long required = ENTRIES_OFFSET + (long) capacity * entrySize;
        if (ring.byteSize() < required) {
            throw new RingProtocolException(ringName + ": expected at least " + required + " bytes for " + capacity
                    + " entries of " + entrySize + ", found " + ring.byteSize());
        }
        long producer = OrderedAccess.getLongAcquire(ring, PRODUCER_SEQUENCE_OFFSET);
        long consumer = OrderedAccess.getLongAcquire(ring, CONSUMER_SEQUENCE_OFFSET);
        if (consumer < 0 || producer < consumer || producer - consumer > capacity) {
            throw new RingProtocolException(ringName + ": sequences violate 0 <= consumer <= producer <= consumer + "
                    + "capacity: producerSequence=" + producer + " consumerSequence=" + consumer + " capacity="
                    + capacity);
        }
    }

    /** Offset of the entry that holds {@code sequence}, relative to the ring's start. */
    public static long entryOffset(long sequence, int capacity, int entrySizeBytes) {
        return ENTRIES_OFFSET + (sequence & (capacity - 1)) * entrySizeBytes;
    }

    private static void checkSegment(MemorySegment ring, long required) {
        if (ring.byteSize() < required) {
            throw new IllegalArgumentException("ring segment of " + ring.byteSize() + " bytes is smaller than the "
                    + required + " bytes the ring needs");
        }
        if ((ring.address() & (SEPARATION_BYTES - 1)) != 0) {
            throw new IllegalArgumentException("ring segment at 0x" + Long.toHexString(ring.address())
                    + " must be " + SEPARATION_BYTES + "-byte aligned");
        }
    }
}

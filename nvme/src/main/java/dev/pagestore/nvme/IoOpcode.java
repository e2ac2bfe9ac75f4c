package dev.pagestore.nvme;

/** The commands a {@link QueuePair} can carry, independent of the backend's own opcode numbers. */
public enum IoOpcode {
    READ,
    WRITE,
    /** Make every completed write durable (NVMe Flush, {@code fdatasync}). */
    FLUSH,
    /** Write zeroes to a range without a data buffer (NVMe Write Zeroes); only where the device supports it. */
    WRITE_ZEROES;

    private static final IoOpcode[] VALUES = values();

    /** The opcode for {@link #ordinal()}; used to decode the command table's byte column. */
    public static IoOpcode ofOrdinal(int ordinal) {
        return VALUES[ordinal];
    }

    /** Whether the command moves data through a caller buffer. */
    public boolean hasBuffer() {
        return this == READ || this == WRITE;
    }
}

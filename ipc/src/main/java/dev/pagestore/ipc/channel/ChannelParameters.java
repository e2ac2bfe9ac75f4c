package dev.pagestore.ipc.channel;

import dev.pagestore.ipc.ring.RingDescriptor;

/**
 * The shape of a channel, chosen by the manager and carried to the worker by the control plane: page size, ring
 * capacities and the number of buffer slots. Validated on construction, so an instance is always a legal shape.
 *
 * @param pageSizeBytes          4096, 8192 or 16384; every buffer slot is one page
 * @param requestRingCapacity    request entries (worker to manager), a power of two in [2, {@link #RING_CAPACITY_MAX}]
 * @param completionRingCapacity completion entries (manager to worker), same bounds; a worker must keep at most this
 *                               many requests outstanding, or the manager can stall on a full completion ring
 * @param slotCount              page buffers in the slab, in [1, {@link #SLOT_COUNT_MAX}]
 */
public record ChannelParameters(int pageSizeBytes, int requestRingCapacity, int completionRingCapacity,
        int slotCount) {
    public static final int RING_CAPACITY_MAX = 1 << 16;
    public static final int SLOT_COUNT_MAX = 1 << 16;

    /** 4 KiB pages, 256-entry rings, 256 slots: about 1 MiB of buffers. */
    public static final ChannelParameters DEFAULT = new ChannelParameters(4096, 256, 256, 256);

    public ChannelParameters {
        if (pageSizeBytes != 4096 && pageSizeBytes != 8192 && pageSizeBytes != 16384) {
            throw new IllegalArgumentException("pageSizeBytes=" + pageSizeBytes + " must be 4096, 8192 or 16384");
        }
        checkRingCapacity("requestRingCapacity", requestRingCapacity);
        checkRingCapacity("completionRingCapacity", completionRingCapacity);
        if (slotCount < 1 || slotCount > SLOT_COUNT_MAX) {
            throw new IllegalArgumentException("slotCount=" + slotCount + " must be in [1, " + SLOT_COUNT_MAX + "]");
        }
    }

    private static void checkRingCapacity(String what, int capacity) {
        if (capacity < 2 || capacity > RING_CAPACITY_MAX || Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException(what + "=" + capacity + " must be a power of two in [2, "
                    + RING_CAPACITY_MAX + "]");
        }
        assert RING_CAPACITY_MAX <= RingDescriptor.CAPACITY_MAX;
    }
}

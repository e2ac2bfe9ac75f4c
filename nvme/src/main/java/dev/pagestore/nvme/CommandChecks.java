package dev.pagestore.nvme;

import java.lang.foreign.MemorySegment;

/** The argument checks of {@link QueuePair}'s {@code prepare...} methods against a device's geometry. */
final class CommandChecks {
    private CommandChecks() {
    }

    /** Throws {@link IllegalArgumentException} with {@code message} unless {@code ok}. */
    static void requireArgument(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /** As {@link #requireArgument(boolean, String)}, {@code message} formatted with {@code value} (no boxing if ok). */
    static void requireArgument(boolean ok, String message, long value) {
        if (!ok) {
            throw new IllegalArgumentException(String.format(message, value));
        }
    }

    /** A buffer for direct I/O of {@code lengthBytes} at {@code deviceOffset}. */
    static void checkData(BlockDevice device, MemorySegment buffer, long deviceOffset, int lengthBytes) {
        if (buffer == null) {
            throw new IllegalArgumentException("buffer is null");
        }
        if (!buffer.isNative()) {
            throw new IllegalArgumentException("buffer " + buffer + " is heap memory; direct I/O needs native memory "
                    + "(allocate it from an Arena aligned to " + device.memoryAlignmentBytes() + ")");
        }
        int memoryAlign = device.memoryAlignmentBytes();
        if (buffer.address() % memoryAlign != 0) {
            throw new IllegalArgumentException("buffer address 0x" + Long.toHexString(buffer.address())
                    + " is not aligned to " + memoryAlign + " bytes, the memory alignment of " + device.name());
        }
        checkRange(device, deviceOffset, lengthBytes);
        if (buffer.byteSize() < lengthBytes) {
            throw new IllegalArgumentException("lengthBytes=" + lengthBytes + " exceeds the buffer's "
                    + buffer.byteSize() + " bytes");
        }
    }

    /** A range of the device, aligned and within its capacity and maximum transfer. */
    static void checkRange(BlockDevice device, long deviceOffset, int lengthBytes) {
        int offsetAlign = device.offsetAlignmentBytes();
        if (lengthBytes <= 0 || lengthBytes % offsetAlign != 0) {
            throw new IllegalArgumentException("lengthBytes=" + lengthBytes + " is not a positive multiple of "
                    + offsetAlign + ", the offset alignment of " + device.name());
        }
        if (lengthBytes > device.maxTransferBytes()) {
            throw new IllegalArgumentException("lengthBytes=" + lengthBytes + " exceeds the maximum transfer of "
                    + device.maxTransferBytes() + " bytes of " + device.name());
        }
        if (deviceOffset < 0 || deviceOffset % offsetAlign != 0) {
            throw new IllegalArgumentException("deviceOffset=" + deviceOffset + " is not a non-negative multiple of "
                    + offsetAlign + ", the offset alignment of " + device.name());
        }
        if (deviceOffset > device.capacityBytes() - lengthBytes) {
            throw new IllegalArgumentException("deviceOffset=" + deviceOffset + " + lengthBytes=" + lengthBytes
                    + " is beyond the capacity of " + device.name() + " (" + device.capacityBytes() + " bytes)");
        }
    }
}

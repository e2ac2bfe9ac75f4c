package dev.pagestore.ipc.control;

/**
 * The channel a manager grants a worker: its name and the parameters it was built with (which may differ from those
 * requested, e.g. a smaller ring). Checked when made, so a handler cannot send a grant the worker would reject.
 *
 * @param channelName the channel's shared-memory file name, 1..200 of {@code [A-Za-z0-9._-]}
 * @param pageSizeBytes 4096, 8192 or 16384
 * @param ringCapacity a power of two in [{@link ControlMessageDescriptor#RING_CAPACITY_MIN},
 *        {@link ControlMessageDescriptor#RING_CAPACITY_MAX}]
 */
public record AttachGrant(String channelName, int pageSizeBytes, int ringCapacity) implements AttachDecision {
    public AttachGrant {
        String problem = ControlMessageDescriptor.checkChannelName(channelName);
        if (problem == null) {
            problem = ControlMessageDescriptor.checkPageSize(pageSizeBytes);
        }
        if (problem == null) {
            problem = ControlMessageDescriptor.checkRingCapacity(ringCapacity);
        }
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
    }
}

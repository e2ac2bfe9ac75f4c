package dev.pagestore.ipc.control;

/**
 * The channel a manager's {@link AttachHandler} grants a worker: the parameters it was built with and the two memfd
 * descriptors the server sends with ATTACHED ({@code SCM_RIGHTS}). Checked when made, so a handler cannot send a grant
 * the worker would reject.
 *
 * <p>The handler owns both descriptors: the server only sends them (the kernel duplicates them into the worker) and
 * never closes them. The handler keeps them open at least until it is told the session ended
 * ({@link AttachHandler#onDetach}), since the reply may still be waiting for room in the socket until then.
 *
 * @param pageSizeBytes 4096, 8192 or 16384
 * @param ringCapacity a power of two in [{@link ControlMessageDescriptor#RING_CAPACITY_MIN},
 *        {@link ControlMessageDescriptor#RING_CAPACITY_MAX}]
 * @param channelDescriptor the channel's sealed memfd
 * @param statusDescriptor the status region's sealed (read-only) memfd
 */
public record AttachGrant(int pageSizeBytes, int ringCapacity, int channelDescriptor, int statusDescriptor)
        implements AttachDecision {
    public AttachGrant {
        String problem = ControlMessageDescriptor.checkPageSize(pageSizeBytes);
        if (problem == null) {
            problem = ControlMessageDescriptor.checkRingCapacity(ringCapacity);
        }
        if (problem == null && (channelDescriptor < 0 || statusDescriptor < 0)) {
            problem = "channelDescriptor=" + channelDescriptor + " and statusDescriptor=" + statusDescriptor
                    + " must be open descriptors";
        }
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
    }
}

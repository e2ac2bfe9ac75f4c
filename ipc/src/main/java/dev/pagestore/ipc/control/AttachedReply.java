package dev.pagestore.ipc.control;

import dev.pagestore.ipc.linux.ProcessIdentity;

/**
 * ATTACHED: the manager's answer to a successful attach. The channel and status-region memfds travel beside it as
 * descriptors ({@link ControlMessageDescriptor#ATTACHED_DESCRIPTORS}); the worker takes them from its
 * {@link ControlClient}.
 *
 * @param attachId the manager's number for this attachment, positive and unique for the manager's life;
 *        ({@code manager}, {@code attachId}) names an attachment across manager restarts
 * @param manager the manager process
 * @param pageSizeBytes the page size of the channel's buffers: 4096, 8192 or 16384
 * @param ringCapacity entries per ring and buffer slots: a power of two in
 *        [{@link ControlMessageDescriptor#RING_CAPACITY_MIN}, {@link ControlMessageDescriptor#RING_CAPACITY_MAX}]
 */
public record AttachedReply(long attachId, ProcessIdentity manager, int pageSizeBytes, int ringCapacity)
        implements ControlMessage {
    public AttachedReply {
        if (attachId <= 0) {
            throw new IllegalArgumentException("attachId=" + attachId + " must be positive");
        }
        if (manager == null) {
            throw new IllegalArgumentException("manager is null");
        }
        String problem = ControlMessageDescriptor.checkPageSize(pageSizeBytes);
        if (problem == null) {
            problem = ControlMessageDescriptor.checkRingCapacity(ringCapacity);
        }
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
    }

    @Override
    public MessageType type() {
        return MessageType.ATTACHED;
    }
}

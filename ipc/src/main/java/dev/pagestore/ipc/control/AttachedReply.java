package dev.pagestore.ipc.control;

/**
 * ATTACHED: the manager's answer to a successful attach.
 *
 * @param attachId the manager's number for this attachment, positive and unique for the manager's life;
 *        ({@code manager}, {@code attachId}) names an attachment across manager restarts
 * @param manager the manager process
 * @param grant the channel and its parameters
 */
public record AttachedReply(long attachId, ProcessIdentity manager, AttachGrant grant) implements ControlMessage {
    public AttachedReply {
        if (attachId <= 0) {
            throw new IllegalArgumentException("attachId=" + attachId + " must be positive");
        }
        if (manager == null || grant == null) {
            throw new IllegalArgumentException("manager=" + manager + " and grant=" + grant + " must not be null");
        }
    }

    @Override
    public MessageType type() {
        return MessageType.ATTACHED;
    }
}

package dev.pagestore.ipc.control;

import dev.pagestore.ipc.linux.ProcessIdentity;

/**
 * OBSERVED: the manager's answer to OBSERVE; the status region's read-only memfd travels beside it as a descriptor
 * ({@link ControlMessageDescriptor#OBSERVED_DESCRIPTORS}).
 *
 * @param manager the manager process
 */
public record ObservedReply(ProcessIdentity manager) implements ControlMessage {
    public ObservedReply {
        if (manager == null) {
            throw new IllegalArgumentException("manager is null");
        }
    }

    @Override
    public MessageType type() {
        return MessageType.OBSERVED;
    }
}

package dev.pagestore.ipc.control;

/**
 * One frame of the control protocol, decoded ({@link ControlCodec}); its bytes are in
 * {@link ControlMessageDescriptor}. Descriptors that travel with a frame are not part of the message: the connection
 * hands them over beside it.
 */
public sealed interface ControlMessage permits AttachRequest, AttachedReply, Refusal, DetachRequest, DetachedReply,
        ObserveRequest, ObservedReply {
    MessageType type();
}

package dev.pagestore.ipc.control;

/**
 * One frame of the control protocol, decoded ({@link ControlCodec}); its bytes are in
 * {@link ControlMessageDescriptor}.
 */
public sealed interface ControlMessage permits AttachRequest, AttachedReply, Refusal, DetachRequest, DetachedReply {
    MessageType type();
}

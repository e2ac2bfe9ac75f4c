package dev.pagestore.ipc.control;

/** What was wrong with bytes received from a control peer ({@link ControlProtocolException#problem()}). */
public enum ProtocolProblem {
    /** The first four bytes are not {@link ControlMessageDescriptor#MAGIC}: not a pagestore control peer. */
    BAD_MAGIC,
    /** The header names a protocol version this side does not speak. */
    BAD_VERSION,
    /** The header's type code names no {@link MessageType}. */
    UNKNOWN_TYPE,
    /** The header's body length is negative or above {@link ControlMessageDescriptor#BODY_LENGTH_MAX}. */
    OVERSIZED_LENGTH,
    /** The stream ended, or the body ran out, before the message was complete. */
    TRUNCATED,
    /** A field holds a value outside its documented range (pid, start time, string length or encoding, code). */
    BAD_FIELD,
    /** The body is longer than the fields of its type. */
    TRAILING_BYTES,
    /** A well-formed message that is not allowed in the connection's current state (DETACH before ATTACH, ...). */
    UNEXPECTED_MESSAGE
}

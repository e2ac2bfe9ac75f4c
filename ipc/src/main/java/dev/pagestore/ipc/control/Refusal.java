package dev.pagestore.ipc.control;

import java.nio.charset.StandardCharsets;

/**
 * REFUSED: the manager will not attach this worker, or will not read more from this connection, and says why.
 * The manager closes the connection after sending it.
 *
 * @param code why, as a number the worker can act on
 * @param message why, for a human: at most {@link ControlMessageDescriptor#REFUSAL_MESSAGE_BYTES_MAX} UTF-8 bytes
 */
public record Refusal(RefusalCode code, String message)
        implements ControlMessage, AttachDecision, ObserveDecision {
    public Refusal {
        if (code == null || message == null) {
            throw new IllegalArgumentException("code=" + code + " and message=" + message + " must not be null");
        }
        int bytes = message.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > ControlMessageDescriptor.REFUSAL_MESSAGE_BYTES_MAX) {
            throw new IllegalArgumentException("refusal message is " + bytes + " UTF-8 bytes, more than "
                    + ControlMessageDescriptor.REFUSAL_MESSAGE_BYTES_MAX);
        }
    }

    /** A refusal whose message is cut to fit the frame (for messages built from untrusted input). */
    public static Refusal truncating(RefusalCode code, String message) {
        int limit = ControlMessageDescriptor.REFUSAL_MESSAGE_BYTES_MAX;
        if (message.getBytes(StandardCharsets.UTF_8).length <= limit) {
            return new Refusal(code, message);
        }
        StringBuilder cut = new StringBuilder();
        int bytes = 3;  // the "..." appended below
        for (int i = 0; i < message.length(); ) {
            int codePoint = message.codePointAt(i);
            int width = new String(Character.toChars(codePoint)).getBytes(StandardCharsets.UTF_8).length;
            if (bytes + width > limit) {
                break;
            }
            cut.appendCodePoint(codePoint);
            bytes += width;
            i += Character.charCount(codePoint);
        }
        return new Refusal(code, cut.append("...").toString());
    }

    @Override
    public MessageType type() {
        return MessageType.REFUSED;
    }
}

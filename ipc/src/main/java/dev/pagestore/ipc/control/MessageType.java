package dev.pagestore.ipc.control;

/**
 * The control messages and their wire codes ({@link ControlMessageDescriptor#TYPE_OFFSET}). Codes are never reused:
 * a retired type keeps its number.
 */
public enum MessageType {
    /** Worker → manager: "give me a channel" ({@link AttachRequest}). */
    ATTACH(1),
    /**
     * Manager → worker: the granted parameters ({@link AttachedReply}), with the channel and status-region memfds
     * as descriptors.
     */
    ATTACHED(2),
    /** Manager → worker: the attach (or the frame) was refused, with a code and a message ({@link Refusal}). */
    REFUSED(3),
    /** Worker → manager: orderly goodbye; the manager may reclaim the channel ({@link DetachRequest}). */
    DETACH(4),
    /** Manager → worker: the goodbye was seen; the manager closes the connection next ({@link DetachedReply}). */
    DETACHED(5),
    /** A tool → manager: "let me read your status region" ({@link ObserveRequest}); no channel. */
    OBSERVE(6),
    /** Manager → tool: who it is ({@link ObservedReply}), with the status-region memfd as a descriptor. */
    OBSERVED(7);

    private static final MessageType[] BY_CODE;

    static {
        int max = 0;
        for (MessageType type : values()) {
            max = Math.max(max, type.code);
        }
        BY_CODE = new MessageType[max + 1];
        for (MessageType type : values()) {
            assert BY_CODE[type.code] == null : "duplicate message type code " + type.code;
            BY_CODE[type.code] = type;
        }
    }

    private final int code;

    MessageType(int code) {
        assert code > 0 && code <= 0xFFFF : "message type code " + code + " does not fit an unsigned 16-bit field";
        this.code = code;
    }

    /** The unsigned 16-bit code on the wire. */
    public int code() {
        return code;
    }

    /** The type with this wire code, or {@code null} when no type has it. */
    static MessageType ofCode(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }
}

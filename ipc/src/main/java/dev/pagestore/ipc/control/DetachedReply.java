package dev.pagestore.ipc.control;

/** DETACHED: the manager saw the goodbye and closes the connection next. Empty body. */
public record DetachedReply() implements ControlMessage {
    @Override
    public MessageType type() {
        return MessageType.DETACHED;
    }
}

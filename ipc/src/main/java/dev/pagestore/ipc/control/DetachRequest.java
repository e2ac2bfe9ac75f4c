package dev.pagestore.ipc.control;

/** DETACH: the worker says an orderly goodbye; the manager may reclaim its channel. Empty body. */
public record DetachRequest() implements ControlMessage {
    @Override
    public MessageType type() {
        return MessageType.DETACH;
    }
}

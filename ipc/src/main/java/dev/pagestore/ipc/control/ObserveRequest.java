package dev.pagestore.ipc.control;

/**
 * OBSERVE: a tool ({@code pagestore stat}, the demo's report) asks for read-only access to the manager's status
 * region, without a channel. The connection stays open until the tool closes it (or sends DETACH).
 *
 * @param clientName a label for logs, 1..64 UTF-8 bytes, no control characters
 */
public record ObserveRequest(String clientName) implements ControlMessage {
    public ObserveRequest {
        String problem = ControlMessageDescriptor.checkClientName(clientName);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
    }

    @Override
    public MessageType type() {
        return MessageType.OBSERVE;
    }
}

package dev.pagestore.ipc.control;

/**
 * ATTACH: a worker asks the manager for a channel.
 *
 * <p>The record checks what makes the frame well formed (identity and client name). The requested page size and ring
 * capacity are carried as given and judged by the manager, which answers a bad one with a {@link Refusal}
 * ({@link RefusalCode#BAD_PAGE_SIZE}, {@link RefusalCode#BAD_RING_CAPACITY}).
 *
 * @param worker the attaching process
 * @param pageSizeBytes the page size the worker wants its buffer slab cut into
 * @param ringCapacity the queue depth the worker wants (entries per ring)
 * @param clientName a label for logs and diagnostics, 1..64 UTF-8 bytes, no control characters
 */
public record AttachRequest(ProcessIdentity worker, int pageSizeBytes, int ringCapacity, String clientName)
        implements ControlMessage {

    public AttachRequest {
        if (worker == null) {
            throw new IllegalArgumentException("worker is null");
        }
        String problem = ControlMessageDescriptor.checkClientName(clientName);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
    }

    /** A request from this process. */
    public static AttachRequest fromCurrentProcess(int pageSizeBytes, int ringCapacity, String clientName) {
        return new AttachRequest(ProcessIdentity.current(), pageSizeBytes, ringCapacity, clientName);
    }

    @Override
    public MessageType type() {
        return MessageType.ATTACH;
    }
}

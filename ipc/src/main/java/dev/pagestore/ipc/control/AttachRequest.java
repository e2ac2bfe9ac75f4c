package dev.pagestore.ipc.control;

import dev.pagestore.ipc.linux.ProcessIdentity;

/**
 * ATTACH: a worker asks the manager for a channel.
 *
 * <p>The record checks what makes the frame well formed (claimed identity and client name). The requested page size
 * and ring capacity are carried as given and judged by the manager, which answers a bad one with a {@link Refusal}
 * ({@link RefusalCode#BAD_PAGE_SIZE}, {@link RefusalCode#BAD_RING_CAPACITY}).
 *
 * @param claimedWorker the pid and start time the worker states, for diagnostics only: the manager takes the worker's
 *        identity from the kernel ({@link ControlSession#worker()}) and logs a mismatch
 * @param pageSizeBytes the page size the worker wants its buffer slab cut into; 0 for the store's
 * @param ringCapacity the queue depth the worker wants (entries per ring); 0 for the manager's
 * @param clientName a label for logs and diagnostics, 1..64 UTF-8 bytes, no control characters
 */
public record AttachRequest(ProcessIdentity claimedWorker, int pageSizeBytes, int ringCapacity, String clientName)
        implements ControlMessage {
    /** ATTACH's page size or ring capacity meaning "whatever the manager has". */
    public static final int MANAGER_CHOOSES = 0;

    public AttachRequest {
        if (claimedWorker == null) {
            throw new IllegalArgumentException("claimedWorker is null");
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

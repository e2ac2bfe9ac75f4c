package dev.pagestore.protocol;

import java.nio.file.Path;

/**
 * What the page store adds on top of the channel's request and completion descriptors
 * ({@code dev.pagestore.ipc.ring.RequestDescriptor}, {@code CompletionDescriptor}); shared by manager and client.
 *
 * <h2>Timeouts and fenced slots</h2>
 * A request whose deadline passes before the manager finished it gets a {@code STATUS_TIMEOUT} completion at once,
 * with {@code result = }{@link #RESULT_SLOT_FENCED}: the device (or the WAL) may still be using the request's buffer
 * slots, so the worker must not reuse them yet. When the work really ends the manager posts a second completion for
 * the same request id, {@code STATUS_TIMEOUT} with {@code result = }{@link #RESULT_SLOT_RELEASED}; only then are the
 * slots the worker's again. A write that timed out may still have been applied (its outcome is unknown).
 *
 * <h2>Batches</h2>
 * An atomic batch is {@code BATCH_BEGIN(batchId)}, then writes with {@code FLAG_IN_BATCH} and the same batch id, then
 * {@code BATCH_END(batchId)}, published in one go. The manager logs all the batch's pages as one WAL group (all or
 * nothing after a crash), writes them, then completes every write and the END. Any malformed member makes the whole
 * batch {@code INVALID}.
 *
 * <h2>Where things are</h2>
 * The control socket is {@code DIR/}{@link #SOCKET_FILE}, and nothing else has a name: the channel and the status
 * region are memfds that come with ATTACHED (a tool gets the status region with OBSERVED).
 */
public final class PageStoreProtocol {
    /** TIMEOUT result: the request's slots stay with the manager until a {@link #RESULT_SLOT_RELEASED} completion. */
    public static final long RESULT_SLOT_FENCED = -1;
    /** Second completion of a timed-out request: its slots are the worker's again. */
    public static final long RESULT_SLOT_RELEASED = -2;
    /** The control socket's file name in the data directory. */
    public static final String SOCKET_FILE = "manager.sock";

    private PageStoreProtocol() {
    }

    /** The control socket of data directory {@code directory}. */
    public static Path socketPath(Path directory) {
        return directory.resolve(SOCKET_FILE);
    }
}

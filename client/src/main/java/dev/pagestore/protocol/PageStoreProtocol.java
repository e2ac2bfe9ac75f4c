package dev.pagestore.protocol;

import java.nio.file.Path;

/**
 * Where a worker finds its manager; shared by manager and client. The request and completion format and its meaning
 * (batches, fenced slots after a timeout) are {@code dev.pagestore.ipc.ring.RequestDescriptor} and
 * {@code CompletionDescriptor}, beside the rings that carry them.
 *
 * <h2>Where things are</h2>
 * The control socket is {@code DIR/}{@link #SOCKET_FILE}, and nothing else has a name: the channel and the status
 * region are memfds that come with ATTACHED (a tool gets the status region with OBSERVED).
 */
public final class PageStoreProtocol {
    /** The control socket's file name in the data directory. */
    public static final String SOCKET_FILE = "manager.sock";

    private PageStoreProtocol() {
    }

    /** The control socket of data directory {@code directory}. */
    public static Path socketPath(Path directory) {
        return directory.resolve(SOCKET_FILE);
    }
}

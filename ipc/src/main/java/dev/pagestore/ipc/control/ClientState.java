package dev.pagestore.ipc.control;

import dev.pagestore.ipc.linux.LibcFiles;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;

/**
 * A {@link ControlClient}'s attachment as both its threads see it: the caller's (attach, detach, close, the accessors)
 * and the reader's ({@link ControlClientReader}, which applies the manager's answers and the connection's end). The
 * descriptors received with ATTACHED are held here until the worker takes them, and closed here if it never does.
 *
 * <p>Thread safety: every mutable field is guarded by this object's monitor; the futures are thread-safe.
 */
final class ClientState {
    enum Phase { HANDSHAKE, ATTACHED, DETACHING, ENDED }

    /** Completed by the reader with the answer to ATTACH (ATTACHED or a refusal), or with the connection's end. */
    final CompletableFuture<ControlMessage> reply = new CompletableFuture<>();
    /** Completed by the reader with DETACHED, or with why it will not come. */
    final CompletableFuture<Void> detached = new CompletableFuture<>();

    // Guarded by this.
    Phase phase = Phase.HANDSHAKE;
    boolean closedByUs;
    ManagerGoneEvent goneEvent;
    AttachedReply attachment;
    private int channelDescriptor = -1;
    private int statusDescriptor = -1;

    /** Reader: ATTACHED arrived during the handshake with its two descriptors. Caller holds this monitor. */
    void attached(AttachedReply reply, int channel, int status) {
        assert Thread.holdsLock(this);
        attachment = reply;
        channelDescriptor = channel;
        statusDescriptor = status;
        phase = Phase.ATTACHED;
    }

    synchronized AttachedReply attachment() {
        assert attachment != null : "accessor used before the attach completed";
        return attachment;
    }

    synchronized boolean isManagerGone() {
        return goneEvent != null;
    }

    /** Whether the client is attached and the manager not known to be gone, so that a goodbye makes sense. */
    synchronized boolean attachedAndManagerThere() {
        return phase == Phase.ATTACHED && goneEvent == null;
    }

    /**
     * The channel's descriptor, once; the caller owns it from now on.
     *
     * @throws IllegalStateException when it was taken already or the client is closed
     */
    synchronized int takeChannelDescriptor(Path socketPath) {
        int fd = channelDescriptor;
        if (fd < 0) {
            throw new IllegalStateException("the channel descriptor of " + socketPath
                    + " was taken already, or the client is closed");
        }
        channelDescriptor = -1;
        return fd;
    }

    /** The status region's descriptor; as {@link #takeChannelDescriptor}. */
    synchronized int takeStatusDescriptor(Path socketPath) {
        int fd = statusDescriptor;
        if (fd < 0) {
            throw new IllegalStateException("the status descriptor of " + socketPath
                    + " was taken already, or the client is closed");
        }
        statusDescriptor = -1;
        return fd;
    }

    /** This client ends the connection: no event for it, and any descriptor not taken is closed. */
    synchronized void abandon() {
        closedByUs = true;
        phase = Phase.ENDED;
        if (channelDescriptor >= 0) {
            LibcFiles.close(channelDescriptor);
            channelDescriptor = -1;
        }
        if (statusDescriptor >= 0) {
            LibcFiles.close(statusDescriptor);
            statusDescriptor = -1;
        }
    }
}

package dev.pagestore.ipc.control;

import dev.pagestore.ipc.linux.LibcFiles;
import dev.pagestore.ipc.linux.ProcessIdentity;
import dev.pagestore.ipc.linux.UnixSocket;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A tool's connection to a manager for read-only access to its status region ({@code pagestore stat}, the demo's
 * report): OBSERVE, then OBSERVED with the status region's memfd, which the tool {@linkplain #takeStatusDescriptor()
 * takes} and maps. The connection stays open until {@link #close()}; the manager keeps a bounded number of them and
 * may close the oldest, which leaves the tool's mapping intact.
 *
 * <p>Thread safety: {@link #close()} from any thread; the rest from the thread that observed.
 */
public final class ControlObserver implements AutoCloseable {
    private final Path socketPath;
    private final UnixSocket socket;
    private final ProcessIdentity manager;
    private int statusDescriptor;

    private ControlObserver(Path socketPath, UnixSocket socket, ProcessIdentity manager, int statusDescriptor) {
        this.socketPath = socketPath;
        this.socket = socket;
        this.manager = manager;
        this.statusDescriptor = statusDescriptor;
    }

    /**
     * Connects to the manager at {@code socketPath} and asks to observe, waiting at most {@code timeout}.
     *
     * @throws AttachRefusedException when the manager refuses
     * @throws IOException when no manager listens there, it does not answer in time, or it breaks the protocol
     */
    public static ControlObserver observe(Path socketPath, String clientName, Duration timeout) throws IOException {
        if (socketPath == null || timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("socketPath=" + socketPath + " and timeout=" + timeout
                    + " must be given (timeout positive)");
        }
        ObserveRequest request = new ObserveRequest(clientName);
        long deadlineNanos = System.nanoTime() + timeout.toNanos();
        UnixSocket socket = ControlClient.connect(socketPath, timeout);
        boolean success = false;
        try {
            ControlClient.send(socket, new Object(), request);
            FrameReader.Frame frame = new FrameReader(socket).read(deadlineNanos);
            if (frame == null) {
                throw new IOException("the manager at " + socketPath + " closed the connection without answering"
                        + " OBSERVE");
            }
            if (frame.message() instanceof Refusal refusal) {
                frame.closeDescriptors();
                throw new AttachRefusedException(refusal);
            }
            if (!(frame.message() instanceof ObservedReply observed)
                    || frame.descriptors().length != ControlMessageDescriptor.OBSERVED_DESCRIPTORS) {
                frame.closeDescriptors();
                throw new ControlProtocolException(ProtocolProblem.UNEXPECTED_MESSAGE, frame.message().type()
                        + " with " + frame.descriptors().length + " descriptors in answer to OBSERVE");
            }
            ControlObserver observer = new ControlObserver(socketPath, socket, observed.manager(),
                    frame.descriptors()[0]);
            success = true;
            return observer;
        } finally {
            if (!success) {
                socket.close();
            }
        }
    }

    /** The manager, as it stated itself in OBSERVED. */
    public ProcessIdentity manager() {
        return manager;
    }

    public Path socketPath() {
        return socketPath;
    }

    /** The status region's memfd; the caller owns it from now on (maps it, then closes it). Once. */
    public synchronized int takeStatusDescriptor() {
        if (statusDescriptor < 0) {
            throw new IllegalStateException("the status descriptor from " + socketPath + " was taken already");
        }
        int fd = statusDescriptor;
        statusDescriptor = -1;
        return fd;
    }

    /** Hangs up (and closes the descriptor if it was not taken). Idempotent. */
    @Override
    public synchronized void close() {
        if (statusDescriptor >= 0) {
            LibcFiles.close(statusDescriptor);
            statusDescriptor = -1;
        }
        socket.close();
    }
}

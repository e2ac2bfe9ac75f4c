package dev.pagestore.ipc.control;

import dev.pagestore.ipc.linux.FutexWaitv;
import dev.pagestore.ipc.linux.ProcessIdentity;
import dev.pagestore.ipc.linux.UnixSocket;
import dev.pagestore.ipc.linux.UnixSocketAddress;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's side of the control plane: attaches to a manager over its Unix domain socket, receives the channel and
 * status-region memfds with the grant, keeps the connection open for as long as the worker uses its channel, and
 * detaches.
 *
 * <h2>Descriptors</h2>
 * ATTACHED arrives with exactly two descriptors (the channel, then the status region), installed close-on-exec; any
 * other number, or a descriptor with any other frame, is a protocol error and every such descriptor is closed. The
 * worker takes each once ({@link #takeChannelDescriptor()}, {@link #takeStatusDescriptor()}) and then owns it; the
 * client closes whatever was not taken when it closes.
 *
 * <h2>Liveness</h2>
 * The open connection is the signal, both ways. While attached, the process's one {@link ManagerWatch} thread looks
 * at the socket (at every wake, at least every {@link ManagerWatch#SLICE_NANOS}); when the manager process dies the
 * kernel closes its end, the read returns end of stream (or fails with a reset), and the watch has the
 * {@link ManagerGoneListener} called, with no heartbeat. The channel's lifeline, on the same watch, tells of a death
 * sooner. Symmetrically, if this worker dies, the manager sees the same on its side. A manager that ends this
 * session while alive ({@link ControlServer#endSession}) says why first (REFUSED, {@link RefusalCode#SESSION_ENDED}),
 * and the listener hears it with {@link ManagerGoneEvent.Cause#SESSION_ENDED} and the reason.
 *
 * <h2>Thread safety</h2>
 * All methods may be called from any thread. The listener runs on a thread of its own, started for the event
 * ({@code pagestore-manager-gone}), so it may close or re-attach clients.
 */
public final class ControlClient implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ControlClient.class);
    private static final Duration CLOSE_DETACH_TIMEOUT = Duration.ofSeconds(1);

    private final Path socketPath;
    private final UnixSocket socket;
    private final AttachRequest request;
    private final ClientState state = new ClientState();
    private final ControlClientReader reader;
    private final Object writeLock = new Object();
    /** This connection as the process's {@link ManagerWatch} sees it, from ATTACHED until detach or close. */
    private final ManagerWatch.Watched watched = new ManagerWatch.Watched() {
        @Override
        public int descriptor() {
            return socket.isClosed() ? -1 : socket.pollDescriptor();
        }

        @Override
        public boolean look(boolean readable, FutexWaitv sleepOn) {
            return !socket.isClosed() && (!readable || reader.readAvailable());
        }
    };

    private ControlClient(Path socketPath, UnixSocket socket, AttachRequest request, ManagerGoneListener listener) {
        this.socketPath = socketPath;
        this.socket = socket;
        this.request = request;
        this.reader = new ControlClientReader(socketPath, socket, listener, state);
    }

    /**
     * Connects to the manager at {@code socketPath}, sends ATTACH and waits for the answer.
     *
     * @param listener told if the manager goes away while this client is attached
     * @param timeout how long to wait for the manager's answer
     * @return the attached client; take its descriptors with {@link #takeChannelDescriptor()} and
     *         {@link #takeStatusDescriptor()}
     * @throws AttachRefusedException when the manager refuses (bad version, bad page size, too many workers, ...)
     * @throws IOException when no manager listens at the path, it does not answer in time, or the connection ends
     */
    public static ControlClient attach(Path socketPath, AttachRequest request, ManagerGoneListener listener,
                                       Duration timeout) throws IOException {
        if (socketPath == null || request == null || listener == null) {
            throw new IllegalArgumentException("socketPath=" + socketPath + ", request=" + request + " and listener="
                    + listener + " must not be null");
        }
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout=" + timeout + " must be positive");
        }
        long deadlineNanos = System.nanoTime() + timeout.toNanos();
        UnixSocket socket = connect(socketPath, timeout);
        boolean success = false;
        try {
            ControlClient client = new ControlClient(socketPath, socket, request, listener);
            try {
                client.write(request);
            } catch (IOException e) {
                // A manager that turns a peer away at accept (one it cannot name) sends REFUSED and closes before
                // ATTACH is read: the reason may be waiting to be read. Either it is, or the read sees the end.
                client.reader.readUntil(client.state.reply, deadlineNanos);
                if (client.state.reply.isDone() && !client.state.reply.isCompletedExceptionally()
                        && client.state.reply.getNow(null) instanceof Refusal refusal) {
                    client.abandon();
                    throw new AttachRefusedException(refusal);
                }
                client.abandon();
                throw new IOException("the manager at " + socketPath + " closed the connection before ATTACH was"
                        + " sent (" + e.getMessage() + ")", e);
            }
            client.awaitAttached(deadlineNanos, timeout);
            ManagerWatch.get().add(client.watched);
            success = true;
            return client;
        } finally {
            if (!success) {
                socket.close();
            }
        }
    }

    /**
     * Connects within {@code timeout}: a connect to a Unix socket whose listener has a full backlog (a manager that
     * stopped accepting) waits at most that long.
     */
    static UnixSocket connect(Path socketPath, Duration timeout) throws IOException {
        try {
            return UnixSocket.connect(UnixSocketAddress.ofPath(socketPath), timeout);
        } catch (IOException e) {
            throw new IOException("cannot connect to the manager's control socket " + socketPath + ": "
                    + e.getMessage() + " (is a manager running on this directory, and accepting?)", e);
        }
    }

    private void awaitAttached(long deadlineNanos, Duration requestedTimeout) throws IOException {
        reader.readUntil(state.reply, deadlineNanos);
        ControlMessage answer;
        try {
            answer = state.reply.getNow(null);
        } catch (CompletionException e) {
            abandon();
            throw new IOException("attach to " + socketPath + " failed: " + e.getCause().getMessage(), e.getCause());
        }
        if (answer == null) {
            abandon();
            throw new IOException(Thread.currentThread().isInterrupted()
                    ? "interrupted while waiting for the manager's answer to ATTACH"
                    : "the manager at " + socketPath + " did not answer ATTACH within " + requestedTimeout);
        }
        if (answer instanceof Refusal refusal) {
            abandon();
            throw new AttachRefusedException(refusal);
        }
        assert answer instanceof AttachedReply : "reply future completed with " + answer;
    }

    // ------------------------------------------------------------------------------------------------ accessors

    /** What the manager granted: attach id, manager, page size and ring capacity. */
    public AttachedReply attached() {
        return attachment();
    }

    /** The granted page size. */
    public int pageSizeBytes() {
        return attachment().pageSizeBytes();
    }

    /** The granted ring capacity (entries per ring, buffer slots). */
    public int ringCapacity() {
        return attachment().ringCapacity();
    }

    /**
     * The channel's memfd received with ATTACHED; the caller owns it from now on (maps it, then closes it). Once.
     *
     * @throws IllegalStateException when it was taken already or the client is closed
     */
    public int takeChannelDescriptor() {
        return state.takeChannelDescriptor(socketPath);
    }

    /** The status region's memfd received with ATTACHED; as {@link #takeChannelDescriptor()}. */
    public int takeStatusDescriptor() {
        return state.takeStatusDescriptor(socketPath);
    }

    /** The manager's number for this attachment. */
    public long attachId() {
        return attachment().attachId();
    }

    /** The manager process, as it stated itself in ATTACHED. */
    public ProcessIdentity manager() {
        return attachment().manager();
    }

    /** This worker, as stated in ATTACH. */
    public ProcessIdentity worker() {
        return request.claimedWorker();
    }

    public Path socketPath() {
        return socketPath;
    }

    /** Whether the manager has gone (the listener has been or is being called). */
    public boolean isManagerGone() {
        return state.isManagerGone();
    }

    private AttachedReply attachment() {
        return state.attachment();
    }

    // ------------------------------------------------------------------------------------------------- detach

    /**
     * Orderly goodbye: sends DETACH, waits for DETACHED, closes the connection. After it returns the manager has
     * been told (its handler saw {@link DetachReason#ORDERLY}); the listener will not be called.
     *
     * @throws IOException when the manager is already gone or does not answer within {@code timeout}
     */
    public void detach(Duration timeout) throws IOException {
        synchronized (state) {
            ManagerGoneEvent gone = state.goneEvent;
            if (gone != null) {
                throw new IOException(gone.cause() == ManagerGoneEvent.Cause.SESSION_ENDED
                        ? "cannot detach: the manager ended the session (" + gone.detail() + ")"
                        : "cannot detach: the manager is gone (" + gone.detail() + ")");
            }
            if (state.phase != ClientState.Phase.ATTACHED) {
                throw new IllegalStateException("cannot detach: the client is " + state.phase);
            }
            state.phase = ClientState.Phase.DETACHING;
        }
        ManagerWatch.get().remove(watched);  // this thread reads the answer: one reader at a time
        long deadlineNanos = System.nanoTime() + timeout.toNanos();
        try {
            write(new DetachRequest());
            reader.readUntil(state.detached, deadlineNanos);
            if (!state.detached.isDone()) {
                throw new IOException(Thread.currentThread().isInterrupted() ? "interrupted while detaching"
                        : "the manager did not answer DETACH within " + timeout);
            }
            state.detached.join();
        } catch (CompletionException e) {
            throw new IOException("detach failed: " + e.getCause().getMessage(), e.getCause());
        } finally {
            abandon();
        }
    }

    /**
     * Detaches if still attached (waiting at most a second for the manager), then closes the connection. The
     * listener is not called for this close. Idempotent.
     */
    @Override
    public void close() {
        if (state.attachedAndManagerThere()) {
            try {
                detach(CLOSE_DETACH_TIMEOUT);
                return;
            } catch (IOException e) {
                LOG.warn("orderly detach from {} failed; closing the connection anyway: {}", socketPath,
                        e.getMessage());
            }
        }
        abandon();
    }

    /** Closes the connection without a goodbye and without an event, and any descriptor not taken. */
    private void abandon() {
        state.abandon();
        ManagerWatch.get().remove(watched);
        socket.close();
    }

    private void write(ControlMessage message) throws IOException {
        send(socket, writeLock, message);
    }

    /** Sends one whole frame, waiting (at most the socket's send timeout) for room. */
    static void send(UnixSocket socket, Object writeLock, ControlMessage message) throws IOException {
        ByteBuffer frame = ControlCodec.encode(message);
        synchronized (writeLock) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment bytes = arena.allocate(frame.remaining());
                bytes.asByteBuffer().put(frame);
                long sent = 0;
                while (sent < bytes.byteSize()) {
                    sent += socket.send(bytes.asSlice(sent), bytes.byteSize() - sent, true);
                }
            }
        }
    }

    /**
     * Reports that the manager process died, learned outside this connection (the channel's lifeline): ends the
     * connection at once and tells the listener, as an end of stream would, without waiting for the socket to close.
     * Does nothing once the connection has ended.
     */
    public void reportManagerDied(String detail) {
        reader.ended(ManagerGoneEvent.Cause.PROCESS_DIED, detail, null);
    }
}

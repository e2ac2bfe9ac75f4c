package dev.pagestore.ipc.control;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's side of the control plane: attaches to a manager over its Unix domain socket, keeps the connection
 * open for as long as the worker uses its channel, and detaches.
 *
 * <h2>Liveness</h2>
 * The open connection is the signal, both ways. One daemon reader thread per client sits blocked in {@code read}
 * for the whole attachment; when the manager process dies the kernel closes its end, the read returns end of stream
 * (or fails with a reset) at once, and the thread calls the {@link ManagerGoneListener}, within milliseconds, with
 * no heartbeat. Symmetrically, if this worker dies, the manager sees the same on its side.
 *
 * <h2>Thread safety</h2>
 * All methods may be called from any thread. The listener runs on the reader thread.
 */
public final class ControlClient implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ControlClient.class);
    private static final Duration CLOSE_DETACH_TIMEOUT = Duration.ofSeconds(1);

    private enum Phase { HANDSHAKE, ATTACHED, DETACHING, ENDED }

    private final Path socketPath;
    private final SocketChannel channel;
    private final AttachRequest request;
    private final ManagerGoneListener listener;
    private final Thread reader;
    private final CompletableFuture<ControlMessage> reply = new CompletableFuture<>();
    private final CompletableFuture<Void> detached = new CompletableFuture<>();
    private final Object lock = new Object();
    private final Object writeLock = new Object();

    // Guarded by lock.
    private Phase phase = Phase.HANDSHAKE;
    private boolean closedByUs;
    private ManagerGoneEvent goneEvent;
    private AttachedReply attachment;

    private ControlClient(Path socketPath, SocketChannel channel, AttachRequest request, ManagerGoneListener listener) {
        this.socketPath = socketPath;
        this.channel = channel;
        this.request = request;
        this.listener = listener;
        this.reader = new Thread(this::readLoop, "pagestore-control-client");
        this.reader.setDaemon(true);
    }

    /**
     * Connects to the manager at {@code socketPath}, sends ATTACH and waits for the answer.
     *
     * @param listener told if the manager goes away while this client is attached
     * @param timeout how long to wait for the manager's answer
     * @return the attached client; its {@link #grant()} names the channel
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
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        boolean success = false;
        try {
            long deadlineNanos = System.nanoTime() + timeout.toNanos();
            connect(channel, socketPath, timeout);
            ControlClient client = new ControlClient(socketPath, channel, request, listener);
            client.reader.start();
            try {
                client.write(request);
            } catch (IOException e) {
                throw new IOException("the manager at " + socketPath + " closed the connection before ATTACH was"
                        + " sent (" + e.getMessage() + "); it may be at its limit of pending connections", e);
            }
            client.awaitAttached(Duration.ofNanos(Math.max(1, deadlineNanos - System.nanoTime())), timeout);
            success = true;
            return client;
        } finally {
            if (!success) {
                channel.close();
            }
        }
    }

    /**
     * Connects within {@code timeout}. A blocking connect to a Unix socket whose listener has a full backlog (a
     * manager that stopped accepting) would wait forever; a non-blocking connect with a selector cannot.
     */
    private static void connect(SocketChannel channel, Path socketPath, Duration timeout) throws IOException {
        try {
            channel.configureBlocking(false);
            boolean connected = channel.connect(UnixDomainSocketAddress.of(socketPath));
            if (!connected) {
                try (Selector selector = Selector.open()) {
                    channel.register(selector, SelectionKey.OP_CONNECT);
                    if (selector.select(Math.max(1, timeout.toMillis())) == 0) {
                        throw new IOException("no connection within " + timeout
                                + " (the manager is not accepting connections)");
                    }
                }
                channel.finishConnect();
            }
            channel.configureBlocking(true);  // the reader thread blocks in read; that is the liveness watch
        } catch (IOException e) {
            throw new IOException("cannot connect to the manager's control socket " + socketPath + ": "
                    + e.getMessage() + " (is a manager running on this directory, and accepting?)", e);
        }
    }

    private void awaitAttached(Duration timeout, Duration requestedTimeout) throws IOException {
        ControlMessage answer;
        try {
            answer = reply.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            abandon();
            throw new IOException("the manager at " + socketPath + " did not answer ATTACH within "
                    + requestedTimeout);
        } catch (ExecutionException e) {
            abandon();
            throw new IOException("attach to " + socketPath + " failed: " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            abandon();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the manager's answer to ATTACH", e);
        }
        if (answer instanceof Refusal refusal) {
            abandon();
            throw new AttachRefusedException(refusal);
        }
        assert answer instanceof AttachedReply : "reply future completed with " + answer;
    }

    // ------------------------------------------------------------------------------------------------ accessors

    /** The channel and parameters the manager granted. */
    public AttachGrant grant() {
        return attachment().grant();
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
        return request.worker();
    }

    public Path socketPath() {
        return socketPath;
    }

    /** Whether the manager has gone (the listener has been or is being called). */
    public boolean isManagerGone() {
        synchronized (lock) {
            return goneEvent != null;
        }
    }

    private AttachedReply attachment() {
        synchronized (lock) {
            assert attachment != null : "accessor used before the attach completed";
            return attachment;
        }
    }

    // ------------------------------------------------------------------------------------------------- detach

    /**
     * Orderly goodbye: sends DETACH, waits for DETACHED, closes the connection. After it returns the manager has
     * been told (its handler saw {@link DetachReason#ORDERLY}); the listener will not be called.
     *
     * @throws IOException when the manager is already gone or does not answer within {@code timeout}
     */
    public void detach(Duration timeout) throws IOException {
        synchronized (lock) {
            if (goneEvent != null) {
                throw new IOException("cannot detach: the manager is gone (" + goneEvent.detail() + ")");
            }
            if (phase != Phase.ATTACHED) {
                throw new IllegalStateException("cannot detach: the client is " + phase);
            }
            phase = Phase.DETACHING;
        }
        try {
            write(new DetachRequest());
            detached.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new IOException("the manager did not answer DETACH within " + timeout);
        } catch (ExecutionException e) {
            throw new IOException("detach failed: " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while detaching", e);
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
        boolean attached;
        synchronized (lock) {
            attached = phase == Phase.ATTACHED && goneEvent == null;
        }
        if (attached) {
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

    /** Closes the connection without a goodbye and without an event. */
    private void abandon() {
        synchronized (lock) {
            closedByUs = true;
            phase = Phase.ENDED;
        }
        try {
            channel.close();
        } catch (IOException e) {
            LOG.debug("closing control connection to {}", socketPath, e);
        }
    }

    private void write(ControlMessage message) throws IOException {
        ByteBuffer frame = ControlCodec.encode(message);
        synchronized (writeLock) {
            while (frame.hasRemaining()) {
                channel.write(frame);
            }
        }
    }

    // ------------------------------------------------------------------------------------------------- reader

    private void readLoop() {
        ByteBuffer header = ByteBuffer.allocate(ControlMessageDescriptor.HEADER_LENGTH)
                .order(ControlMessageDescriptor.BYTE_ORDER);
        try {
            while (true) {
                header.clear();
                if (!readFully(header)) {
                    ended(ManagerGoneEvent.Cause.CONNECTION_CLOSED, header.position() == 0
                            ? "end of stream from the manager"
                            : "end of stream " + header.position() + " bytes into a frame header", null);
                    return;
                }
                header.flip();
                ControlCodec.Header checked = ControlCodec.decodeHeader(header);
                ByteBuffer body = ByteBuffer.allocate(checked.bodyLength());
                if (!readFully(body)) {
                    ended(ManagerGoneEvent.Cause.CONNECTION_CLOSED, "end of stream in the middle of a "
                            + checked.type() + " frame", null);
                    return;
                }
                body.flip();
                if (!onMessage(ControlCodec.decodeBody(checked.type(), body))) {
                    return;
                }
            }
        } catch (ControlProtocolException e) {
            LOG.error("manager at {} broke the control protocol: {}", socketPath, e.getMessage());
            ended(ManagerGoneEvent.Cause.PROTOCOL_ERROR, e.getMessage(), e);
        } catch (ClosedChannelException e) {
            // This client closed the channel (abandon, detach, close): ended() stays silent for closedByUs.
            ended(ManagerGoneEvent.Cause.CONNECTION_CLOSED, "connection closed", e);
        } catch (IOException e) {
            ended(ManagerGoneEvent.Cause.CONNECTION_RESET, "connection reset (" + e.getMessage() + ")", e);
        }
    }

    /** Reads until {@code buffer} is full; false on end of stream first (the position says how far it got). */
    private boolean readFully(ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            if (channel.read(buffer) < 0) {
                return false;
            }
        }
        return true;
    }

    /** Handles one message; false when the reader should stop. */
    private boolean onMessage(ControlMessage message) throws ControlProtocolException {
        Phase now;
        synchronized (lock) {
            now = phase;
            if (now == Phase.HANDSHAKE && message instanceof AttachedReply attached) {
                attachment = attached;
                phase = Phase.ATTACHED;
            }
        }
        switch (now) {
            case HANDSHAKE -> {
                if (message instanceof AttachedReply || message instanceof Refusal) {
                    reply.complete(message);
                    return message instanceof AttachedReply;
                }
                throw new ControlProtocolException(ProtocolProblem.UNEXPECTED_MESSAGE,
                        message.type() + " in answer to ATTACH");
            }
            case DETACHING -> {
                if (message instanceof DetachedReply) {
                    detached.complete(null);
                    return false;
                }
                throw new ControlProtocolException(ProtocolProblem.UNEXPECTED_MESSAGE,
                        message.type() + " in answer to DETACH");
            }
            case ATTACHED -> {
                if (message instanceof Refusal refusal) {
                    // The manager only refuses an attached worker when it is closing the connection on it.
                    throw new ControlProtocolException(ProtocolProblem.UNEXPECTED_MESSAGE,
                            "the manager refused this attached worker: " + refusal.code() + " " + refusal.message());
                }
                throw new ControlProtocolException(ProtocolProblem.UNEXPECTED_MESSAGE,
                        message.type() + " sent to an attached worker");
            }
            case ENDED -> {
                return false;
            }
        }
        throw new AssertionError(now);
    }

    /** The connection ended (or must end) as seen by the reader; decides who hears of it. */
    /**
     * Reports that the manager process died, learned outside this connection (the channel's lifeline): ends the
     * connection at once and tells the listener, as an end of stream would, without waiting for the socket to close.
     * Does nothing once the connection has ended.
     */
    public void reportManagerDied(String detail) {
        ended(ManagerGoneEvent.Cause.PROCESS_DIED, detail, null);
    }

    private void ended(ManagerGoneEvent.Cause cause, String detail, Exception error) {
        long detectedAtNanos = System.nanoTime();
        ManagerGoneEvent event = null;
        synchronized (lock) {
            if (!closedByUs && phase == Phase.ATTACHED && goneEvent == null) {
                event = new ManagerGoneEvent(attachment.attachId(), attachment.manager(),
                        attachment.grant().channelName(), cause, detail, detectedAtNanos);
                goneEvent = event;
            }
            if (phase != Phase.ENDED) {
                phase = Phase.ENDED;
            }
        }
        if (event != null) {
            // The listener first: it fails the worker's pending calls, which must not wait for closing or logging.
            try {
                listener.onManagerGone(event);
            } catch (RuntimeException e) {
                LOG.error("manager-gone listener failed", e);
            }
        }
        IOException failure = new IOException("control connection to " + socketPath + " ended: " + detail, error);
        reply.completeExceptionally(failure);
        detached.completeExceptionally(failure);
        try {
            channel.close();
        } catch (IOException e) {
            LOG.debug("closing control connection to {}", socketPath, e);
        }
        if (event != null) {
            LOG.warn("manager {} gone ({}: {}); channel {} must be abandoned", event.manager(), cause, detail,
                    event.channelName());
        }
    }
}

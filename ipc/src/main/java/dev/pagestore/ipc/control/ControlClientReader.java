package dev.pagestore.ipc.control;

import dev.pagestore.ipc.linux.UnixSocket;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ControlClient}'s reading of the manager's frames: it applies each frame to the {@link ClientState} and
 * turns the connection's end (end of stream, a reset, a protocol error, a REFUSED that ends the session, or a death
 * learned elsewhere) into one {@link ManagerGoneEvent} for the listener, unless this client ended the connection
 * itself. The caller's thread reads while it waits for an answer (ATTACHED, DETACHED); in between, the process's
 * {@link ManagerWatch} reads whatever arrives, so there is one reader at a time.
 *
 * <p>Thread safety: {@link #readUntil} and {@link #readAvailable} by the one reader of the moment; {@link #ended}
 * from any thread.
 */
final class ControlClientReader {
    private static final Logger LOG = LoggerFactory.getLogger(ControlClient.class);
    /** How often a caller waiting for an answer looks at its interrupt flag. */
    private static final int INTERRUPT_CHECK_MILLIS = 50;

    private final Path socketPath;
    private final UnixSocket socket;
    private final ManagerGoneListener listener;
    private final ClientState state;
    private final FrameReader frames;

    ControlClientReader(Path socketPath, UnixSocket socket, ManagerGoneListener listener, ClientState state) {
        this.socketPath = socketPath;
        this.socket = socket;
        this.listener = listener;
        this.state = state;
        this.frames = new FrameReader(socket);
    }

    /**
     * Caller's thread: reads frames until {@code awaited} is done, the connection ends, {@code deadlineNanos} passes
     * or the thread is interrupted (then {@code awaited} is left as it is, for the caller to report why).
     */
    void readUntil(CompletableFuture<?> awaited, long deadlineNanos) {
        try {
            while (!awaited.isDone() && !Thread.currentThread().isInterrupted()) {
                long leftNanos = deadlineNanos - System.nanoTime();
                if (leftNanos <= 0) {
                    return;
                }
                // Waits for input in short polls, so that an interrupt is seen; a frame is read once it has begun.
                if (socket.awaitReadable((int) Math.max(1, Math.min(INTERRUPT_CHECK_MILLIS, leftNanos / 1_000_000)))
                        && !readOne(deadlineNanos, true)) {
                    return;
                }
            }
        } catch (IOException e) {
            ended(ManagerGoneEvent.Cause.CONNECTION_RESET, "connection reset (" + e.getMessage() + ")", e);
        }
    }

    /**
     * The watch's thread: reads the frames that have arrived, waiting only for the rest of a frame begun (at most a
     * watch slice). False once the connection has ended.
     */
    boolean readAvailable() {
        try {
            while (!socket.isClosed() && socket.awaitReadable(0)) {
                if (!readOne(System.nanoTime() + ManagerWatch.SLICE_NANOS, false)) {
                    return false;
                }
            }
        } catch (IOException e) {
            ended(ManagerGoneEvent.Cause.CONNECTION_RESET, "connection reset (" + e.getMessage() + ")", e);
            return false;
        }
        return !socket.isClosed();
    }

    /** Reads and applies one frame; false when reading should stop (the connection ended, or the deadline passed). */
    private boolean readOne(long deadlineNanos, boolean deadlineIsTheCallers) {
        try {
            FrameReader.Frame frame = frames.read(deadlineNanos);
            if (frame == null) {
                ended(ManagerGoneEvent.Cause.CONNECTION_CLOSED, frames.bytesIntoFrame() == 0
                        ? "end of stream from the manager"
                        : "end of stream " + frames.bytesIntoFrame() + " bytes into a frame", null);
                return false;
            }
            return onMessage(frame);
        } catch (ControlProtocolException e) {
            LOG.error("manager at {} broke the control protocol: {}", socketPath, e.getMessage());
            ended(ManagerGoneEvent.Cause.PROTOCOL_ERROR, e.getMessage(), e);
        } catch (ClosedChannelException e) {
            // This client closed the socket (abandon, detach, close): ended() stays silent for closedByUs.
            ended(ManagerGoneEvent.Cause.CONNECTION_CLOSED, "connection closed", e);
        } catch (IOException e) {
            if (deadlineIsTheCallers && deadlineNanos - System.nanoTime() <= 0) {
                return false;  // the caller's wait is over; it says so in its own words
            }
            ended(ManagerGoneEvent.Cause.CONNECTION_RESET, "connection reset (" + e.getMessage() + ")", e);
        } catch (RuntimeException | Error e) {
            LOG.error("control client reader of {} failed", socketPath, e);
            ended(ManagerGoneEvent.Cause.PROTOCOL_ERROR, "reader failed: " + e, null);
        }
        return false;
    }

    /** Checks that {@code frame} carries exactly {@code expected} descriptors; closes them all when not. */
    private static void expectDescriptors(FrameReader.Frame frame, int expected) throws ControlProtocolException {
        if (frame.descriptors().length != expected) {
            frame.closeDescriptors();
            throw new ControlProtocolException(ProtocolProblem.BAD_FIELD, frame.message().type() + " came with "
                    + frame.descriptors().length + " descriptors, expected " + expected);
        }
    }

    /** Handles one frame; false when the reader should stop. */
    private boolean onMessage(FrameReader.Frame frame) throws ControlProtocolException {
        ControlMessage message = frame.message();
        expectDescriptors(frame, message instanceof AttachedReply ? ControlMessageDescriptor.ATTACHED_DESCRIPTORS : 0);
        ClientState.Phase now;
        synchronized (state) {
            now = state.phase;
            if (message instanceof AttachedReply attached) {
                if (now == ClientState.Phase.HANDSHAKE) {
                    state.attached(attached, frame.descriptors()[0], frame.descriptors()[1]);
                } else {
                    frame.closeDescriptors();  // out of order: refused below
                }
            }
        }
        switch (now) {
            case HANDSHAKE -> {
                if (message instanceof AttachedReply || message instanceof Refusal) {
                    state.reply.complete(message);
                    return message instanceof AttachedReply;
                }
                throw new ControlProtocolException(ProtocolProblem.UNEXPECTED_MESSAGE,
                        message.type() + " in answer to ATTACH");
            }
            case DETACHING -> {
                if (message instanceof DetachedReply) {
                    state.detached.complete(null);
                    return false;
                }
                if (message instanceof Refusal refusal) {
                    // The manager ended the session before it read DETACH, so no DETACHED will come: detach() fails
                    // now, with the manager's reason.
                    state.detached.completeExceptionally(new IOException("the manager ended the session before it"
                            + " read DETACH: " + refusal.code() + " " + refusal.message()));
                    return false;
                }
                throw new ControlProtocolException(ProtocolProblem.UNEXPECTED_MESSAGE,
                        message.type() + " in answer to DETACH");
            }
            case ATTACHED -> {
                if (message instanceof Refusal refusal) {
                    // The manager ended this attached session (SESSION_ENDED, or it refused a frame). Only this message
                    // carries the reason; the end of stream that follows does not. So the listener hears of it here,
                    // and pending calls fail with that cause.
                    ended(ManagerGoneEvent.Cause.SESSION_ENDED, refusal.code() + ": " + refusal.message(), null);
                    return false;
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
    void ended(ManagerGoneEvent.Cause cause, String detail, Exception error) {
        long detectedAtNanos = System.nanoTime();
        ManagerGoneEvent event = null;
        boolean duringHandshake;
        synchronized (state) {
            duringHandshake = state.phase == ClientState.Phase.HANDSHAKE
                    && (cause == ManagerGoneEvent.Cause.CONNECTION_CLOSED
                    || cause == ManagerGoneEvent.Cause.CONNECTION_RESET);
            if (!state.closedByUs && state.phase == ClientState.Phase.ATTACHED && state.goneEvent == null) {
                event = new ManagerGoneEvent(state.attachment.attachId(), state.attachment.manager(), cause, detail,
                        detectedAtNanos);
                state.goneEvent = event;
            }
            if (state.phase != ClientState.Phase.ENDED) {
                state.phase = ClientState.Phase.ENDED;
            }
        }
        if (event != null) {
            // The listener first: it fails the worker's pending calls, which must not wait for closing or logging.
            // It runs on a thread of its own: it completes the worker's futures, whose callbacks may close or
            // re-attach clients, which waits for the process's manager watch; on the watch's thread that would wait
            // for itself, and leave every other attachment unwatched meanwhile. A death is rare; a thread is cheap.
            ManagerGoneEvent told = event;
            Thread.ofPlatform().daemon().name("pagestore-manager-gone").start(() -> {
                try {
                    listener.onManagerGone(told);
                } catch (RuntimeException | Error e) {
                    LOG.error("manager-gone listener failed", e);
                }
            });
        }
        // A manager closes a connection without a word only before it has read an ATTACH: say which cases those are,
        // or a worker turned away as silent would read "connection reset" as a crash.
        IOException failure = new IOException("control connection to " + socketPath + " ended: " + detail
                + (duringHandshake ? " (before the manager answered: it closes a connection whose ATTACH has not"
                + " arrived within its handshake timeout, or the oldest idle one when too many wait, or it stopped)"
                : ""), error);
        state.reply.completeExceptionally(failure);
        state.detached.completeExceptionally(failure);
        socket.close();
        if (event != null) {
            if (cause == ManagerGoneEvent.Cause.SESSION_ENDED) {
                LOG.warn("manager {} ended attachment {}: {}", event.manager(), event.attachId(), detail);
            } else {
                LOG.warn("manager {} gone ({}: {}); attachment {} must be abandoned", event.manager(), cause, detail,
                        event.attachId());
            }
        }
    }
}

package dev.pagestore.client;

import dev.pagestore.ipc.channel.Channel;
import dev.pagestore.ipc.channel.ChannelParameters;
import dev.pagestore.ipc.control.ManagerWatch;
import dev.pagestore.ipc.control.AttachRequest;
import dev.pagestore.ipc.control.ControlClient;
import dev.pagestore.ipc.control.ManagerGoneEvent;
import dev.pagestore.ipc.linux.LibcFiles;
import dev.pagestore.ipc.ring.CompletionDescriptor;
import dev.pagestore.ipc.ring.RequestDescriptor;
import dev.pagestore.ipc.ring.RingConsumer;
import dev.pagestore.ipc.ring.RingProducer;
import dev.pagestore.status.StatusView;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * One attachment to one manager: the control connection, the channel, the read-only status view, the table of
 * outstanding requests and the {@link Completions} that answer them. A {@link PageStoreClient} replaces its
 * connection when the manager comes back.
 *
 * <h2>Memory</h2>
 * The channel and the status region come as two sealed memfds with the manager's ATTACHED: the channel is mapped
 * read-write, the status region read-only, and both descriptors are closed once mapped. Nothing is looked up by name,
 * so no other process can hand this worker a channel, and this worker can reach no other's.
 *
 * <h2>Threads</h2>
 * The request ring's producer is whichever thread holds the client's posting lock; the completion ring's consumer is
 * whichever thread holds the reaping lock ({@link Completions}). Every pending call fails with {@code MANAGER_GONE}
 * the moment the manager is known dead: from the channel's lifeline watch thread, which hears of the death within a
 * millisecond, or from the control client's reader thread when the socket closes (which, for a large manager, waits
 * tens of milliseconds for the kernel to free its memory).
 *
 * <h2>Slots</h2>
 * Every request holds one permit and one entry of the {@link PendingTable} (at most {@code capacity} outstanding, so
 * the manager can always answer); a data request's buffer slot is its entry's index. All are returned at its final
 * completion: a timed-out request keeps them until the manager's {@link CompletionDescriptor#RESULT_SLOT_RELEASED}
 * completion, since the device may still be using the slot.
 */
final class Connection {
    /** The manager answers TIMEOUT at the deadline; the grace covers a manager that cannot answer at all. */
    private static final long GRACE_NANOS = 2_000_000_000L;

    final ControlClient control;
    final Channel channel;
    /** What the worker reports of itself through this channel (a page cache's figures). */
    final ReportedFigures reported;
    final StatusView status;
    final int capacity;
    final int pageSizeBytes;
    final long capacityPages;
    final RingProducer requests;
    final PendingTable pending;
    final Completions completions;
    private final ByteBuffer[] slotBuffers;
    volatile boolean gone;
    volatile String goneDetail;
    private volatile boolean closing;

    private Connection(ControlClient control, Channel channel, StatusView status) {
        this.control = control;
        this.channel = channel;
        this.status = status;
        this.reported = new ReportedFigures(channel.segment());
        ChannelParameters parameters = channel.parameters();
        // Unanswered requests never exceed either ring's capacity (see claim), and a data request's slot is its
        // pending entry's index: the smallest of the three bounds them all.
        this.capacity = Math.min(Math.min(parameters.completionRingCapacity(), parameters.requestRingCapacity()),
                parameters.slotCount());
        this.pageSizeBytes = parameters.pageSizeBytes();
        this.capacityPages = status.capacityPages();
        this.requests = channel.requestProducer();
        this.pending = new PendingTable(capacity);
        this.slotBuffers = new ByteBuffer[capacity];
        for (int slot = 0; slot < capacity; slot++) {
            slotBuffers[slot] = channel.buffer(slot).asByteBuffer();
        }
        RingConsumer completionRing = channel.completionConsumer();
        // The attaching thread touched no ring end; let the posting and reaping threads bind on first use.
        requests.unbindThread();
        completionRing.unbindThread();
        this.completions = new Completions(this, completionRing, pending, parameters.slotCount(), channel.name());
    }

    /** Attaches to the manager of {@code directory}. */
    static Connection open(Path directory, Path socket, ClientOptions options) throws IOException {
        // Set once the connection exists; read by the control client's reader thread (hence atomic).
        java.util.concurrent.atomic.AtomicReference<Connection> self =
                new java.util.concurrent.atomic.AtomicReference<>();
        ControlClient control = ControlClient.attach(socket,
                AttachRequest.fromCurrentProcess(AttachRequest.MANAGER_CHOOSES, options.ringCapacity(),
                        options.clientName()),
                event -> {
                    Connection connection = self.get();
                    if (connection != null) {
                        connection.managerGone(event);
                    }
                }, options.attachTimeout());
        Channel channel = null;
        StatusView status = null;
        int statusDescriptor = -1;
        boolean success = false;
        try {
            int capacity = control.ringCapacity();
            statusDescriptor = control.takeStatusDescriptor();
            channel = Channel.attach(control.takeChannelDescriptor(), "pagestore-channel-" + control.attachId(),
                    new ChannelParameters(control.pageSizeBytes(), capacity, capacity, capacity));
            int descriptor = statusDescriptor;
            statusDescriptor = -1;  // StatusView.map owns it from here, whatever happens
            status = StatusView.map(descriptor);
            // The lifeline tells of the manager's death before its socket closes (which waits for its memory to go).
            channel.watchManager(control::reportManagerDied);
            Connection connection = new Connection(control, channel, status);
            self.set(connection);
            if (control.isManagerGone()) {
                connection.gone = true;
                connection.goneDetail = "the manager went away during attach";
            }
            connection.completions.start();
            ManagerWatch.get().add(connection.reported);
            success = true;
            return connection;
        } finally {
            if (!success) {
                if (statusDescriptor >= 0) {
                    LibcFiles.close(statusDescriptor);
                }
                if (status != null) {
                    status.close();
                }
                if (channel != null) {
                    channel.close();
                }
                control.close();
            }
        }
    }

    /**
     * Takes {@code count} permits at once. A caller that {@code mayWait} (a synchronous call) waits, a park, until
     * {@code deadlineNanos}; one that may not (an asynchronous call, and anything on the completion thread, which is
     * the one to return permits) fails at once with {@code BUSY} when too few are free.
     */
    void acquirePermits(int count, boolean mayWait, long deadlineNanos) throws PageStoreException {
        checkUsable();
        boolean acquired;
        boolean waits = mayWait && !completions.onCompletionThread();
        try {
            // One wait for the whole deadline, first come first served (the semaphore is fair), so a batch that
            // needs many permits is not overtaken forever by single requests.
            acquired = waits ? pending.permits.tryAcquire(count, Math.max(0, deadlineNanos - System.nanoTime()),
                    TimeUnit.NANOSECONDS) : pending.permits.tryAcquire(count);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PageStoreException(ErrorCode.TIMEOUT, "interrupted while waiting for a request slot", e);
        }
        if (acquired && ended()) {
            pending.permits.release(count);  // woken by failAll: pass the wake-up on to the next waiter
            acquired = false;
        }
        if (!acquired) {
            checkUsable();
            throw waits ? new PageStoreException(ErrorCode.TIMEOUT, "no free request slot before the deadline ("
                    + capacity + " requests outstanding)")
                    : new PageStoreException(ErrorCode.BUSY, capacity + " requests outstanding, the most this client"
                    + " holds: an asynchronous call does not wait for one to end");
        }
    }

    /** Returns permits taken for requests that were never registered. */
    void giveBack(int permitCount) {
        pending.permits.release(permitCount);
    }

    /** Whether the calling thread is this connection's completion thread (which must never wait for a completion). */
    boolean onCompletionThread() {
        return completions.onCompletionThread();
    }

    /** Whether the manager is gone or the client closing: no call can be answered any more. */
    boolean ended() {
        return gone || closing;
    }

    ErrorCode endCode() {
        return gone ? ErrorCode.MANAGER_GONE : ErrorCode.CLOSED;
    }

    String endDetail() {
        return gone ? goneDetail : "the client was closed";
    }

    void checkUsable() throws PageStoreException {
        if (gone) {
            throw new PageStoreException(ErrorCode.MANAGER_GONE, goneDetail);
        }
        if (closing) {
            throw new PageStoreException(ErrorCode.CLOSED, "the client is closed");
        }
    }

    /**
     * Waits on the calling thread for synchronous request {@code p} ({@code id}) and collects its outcome: for a read,
     * its page copied into {@code readInto} on this thread; the completion's result otherwise.
     *
     * @throws PageStoreException with the request's error code
     */
    long awaitAnswer(Pending p, long id, byte opcode, long pageNumber, MemorySegment readInto, long deadlineNanos)
            throws PageStoreException {
        return awaitAnswer(p, id, opcode, pageNumber, readInto, null, deadlineNanos);
    }

    /**
     * As {@link #awaitAnswer} for synchronous read {@code p}, its page copied into the next
     * {@link #pageSizeBytes} bytes of {@code readInto} from its position (which is left as it is).
     */
    void awaitAnswerInto(Pending p, long id, long pageNumber, ByteBuffer readInto, long deadlineNanos)
            throws PageStoreException {
        awaitAnswer(p, id, RequestDescriptor.OPCODE_READ, pageNumber, null, readInto, deadlineNanos);
    }

    private long awaitAnswer(Pending p, long id, byte opcode, long pageNumber, MemorySegment readInto,
            ByteBuffer readIntoBuffer, long deadlineNanos) throws PageStoreException {
        if (!completions.await(p, id, deadlineNanos + GRACE_NANOS)) {
            if (!Thread.currentThread().isInterrupted()) {
                RequestTimedOutEvent.record(id, "client", false);
            }
            throw new PageStoreException(ErrorCode.TIMEOUT, Thread.currentThread().isInterrupted()
                    ? "interrupted while waiting for " + describe(id, opcode, pageNumber)
                    : "no answer to " + describe(id, opcode, pageNumber) + " from the manager by its deadline plus 2 s");
        }
        try {
            int state = p.state;  // settled: visible and fixed until collected (PendingTable.settled)
            if (state == Pending.FAILED) {
                throw new PageStoreException(p.failure, describe(id, opcode, pageNumber) + ": " + p.failureDetail);
            }
            if (state != Pending.ANSWERED) {
                throw new PageStoreException(ErrorCode.PROTOCOL_ERROR, describe(id, opcode, pageNumber)
                        + " ended without an answer");
            }
            if (p.status != CompletionDescriptor.STATUS_OK) {
                throw new PageStoreException(ErrorCode.ofStatus(p.status), describe(id, opcode, pageNumber)
                        + " failed");
            }
            if (readInto != null || readIntoBuffer != null) {
                copyOut(p, readInto, readIntoBuffer);
            }
            return p.result;
        } finally {
            pending.collected(p, id);
        }
    }

    /** A read's page out of its slot; a channel closed meanwhile is the call's MANAGER_GONE or CLOSED. */
    private void copyOut(Pending p, MemorySegment readInto, ByteBuffer readIntoBuffer) throws PageStoreException {
        try {
            if (readInto != null) {
                readInto.copyFrom(channel.buffer(p.index));
            } else {
                readIntoBuffer.put(readIntoBuffer.position(), slotBytes(p.index), 0, pageSizeBytes);
            }
        } catch (RuntimeException e) {
            if (!ended()) {
                throw e;  // the caller's destination (closed, confined elsewhere): the caller's mistake
            }
            PageStoreException ended = new PageStoreException(endCode(), endDetail());
            ended.addSuppressed(e);
            throw ended;
        }
    }

    private static String describe(long id, byte opcode, long pageNumber) {
        return "request " + id + " (" + Pending.opcodeName(opcode) + " page " + pageNumber + ")";
    }

    /**
     * Claims {@code count} request entries (under the client's posting lock). Permits bound the requests not yet
     * answered by the smaller ring's capacity, and the manager consumes a request before it answers it, so the ring
     * always has room here: only a manager that answers without consuming leaves it full.
     */
    void claim(int count) throws PageStoreException {
        if (requests.tryClaim(count) < count) {
            throw new PageStoreException(ErrorCode.PROTOCOL_ERROR, "request ring full with permits in hand: the"
                    + " manager did not consume requests it answered");
        }
    }

    /** Writes claimed entry {@code index}. */
    void write(int index, byte opcode, byte flags, long requestId, long pageNumber, int slot, long deadlineNanos,
            long batchId, int checksum) {
        RequestDescriptor.write(requests.segment(), requests.entryOffset(index), opcode, flags, requestId, pageNumber,
                slot >= 0 ? 1 : 0, Math.max(slot, 0), deadlineNanos, batchId, checksum);
    }

    /** Publishes the claimed entries with one release store, and hands the ring's producer end to the next poster. */
    void publishClaimed() {
        requests.publish(requests.claimed());
        requests.unbindThread();
    }

    MemorySegment buffer(int slot) {
        return channel.buffer(slot);
    }

    /**
     * Slot {@code slot} as a ByteBuffer of the whole page, position 0 (for the CRC): made once per slot, used only by
     * the request that holds the slot.
     */
    ByteBuffer slotBytes(int slot) {
        return slotBuffers[slot].clear();
    }

    /** Whether the completion thread may write into {@code destination} (a confined segment belongs to one thread). */
    boolean completionThreadCanFill(MemorySegment destination) {
        return completions.canFill(destination);
    }

    private void managerGone(ManagerGoneEvent event) {
        goneDetail = event.cause() == ManagerGoneEvent.Cause.SESSION_ENDED
                ? "the manager (" + event.manager() + ") ended this session: " + event.detail()
                : "the manager (" + event.manager() + ") is gone: " + event.cause() + " (" + event.detail() + ")";
        gone = true;
        ManagerLostEvent lost = new ManagerLostEvent();
        if (lost.shouldCommit()) {
            lost.managerPid = event.manager().pid();
            lost.managerEpoch = status.epoch();
            lost.cause = event.cause().name();
            lost.detail = event.detail();
            lost.commit();
        }
        failAll(ErrorCode.MANAGER_GONE, goneDetail);
    }

    /** Ends the connection: every outstanding and every waiting call fails with {@code code}. */
    void failAll(ErrorCode code, String detail) {
        if (goneDetail == null) {
            goneDetail = detail;
        }
        gone = true;
        // Wakes a poster waiting for permits, which sees `gone`, gives them back and so wakes the next one.
        pending.permits.release(capacity);
        pending.failAll(code, detail);
    }

    /** Detaches (when the manager is still there) and unmaps everything. */
    void close(Duration detachTimeout) {
        closing = true;
        failAll(ErrorCode.CLOSED, "the client was closed");
        boolean ringQuiet = completions.stop();
        try {
            if (!control.isManagerGone()) {
                control.detach(detachTimeout);
            }
        } catch (IOException | RuntimeException e) {
            // the manager may be gone already; the socket close below is the goodbye then
        }
        control.close();
        ManagerWatch.get().remove(reported);  // before the unmap: the watch no longer writes the figures
        try {
            if (ringQuiet) {
                channel.close();
            }
        } catch (IOException e) {
            // unmapping a file can only fail if it is already gone
        }
        status.close();
    }
}

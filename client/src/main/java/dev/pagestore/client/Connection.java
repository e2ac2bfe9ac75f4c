package dev.pagestore.client;

import dev.pagestore.ipc.channel.Channel;
import dev.pagestore.ipc.channel.ChannelParameters;
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
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One attachment to one manager: the control connection, the channel, the read-only status view, and the reaper
 * thread that consumes completions. A {@link PageStoreClient} replaces its connection when the manager comes back.
 *
 * <h2>Memory</h2>
 * The channel and the status region come as two sealed memfds with the manager's ATTACHED: the channel is mapped
 * read-write, the status region read-only, and both descriptors are closed once mapped. Nothing is looked up by name,
 * so no other process can hand this worker a channel, and this worker can reach no other's.
 *
 * <h2>Threads</h2>
 * The request ring's producer is whichever thread holds the client's posting lock. The completion ring's consumer
 * is this connection's reaper thread, which completes the futures (so callbacks run there: keep them short). Every
 * pending future fails with {@code MANAGER_GONE} the moment the manager is known dead: from the channel's lifeline
 * watch thread, which hears of the death within a millisecond, or from the control client's reader thread when the
 * socket closes (which, for a large manager, waits tens of milliseconds for the kernel to free its memory). Slots
 * and permits pass between threads through concurrent queues.
 *
 * <h2>Slots</h2>
 * Every request holds one permit (at most {@code capacity} outstanding, so the manager can always answer) and every
 * data request one buffer slot, both returned at its final completion. A timed-out request keeps its slot until the
 * manager's {@link CompletionDescriptor#RESULT_SLOT_RELEASED} completion: the device may still be using it.
 */
final class Connection {
    private static final long REAPER_WAIT_NANOS = 20_000_000;

    final ControlClient control;
    final Channel channel;
    final StatusView status;
    final int capacity;
    final int pageSizeBytes;
    final long capacityPages;
    final RingProducer requests;
    private final RingConsumer completions;
    private final Semaphore permits;
    private final ArrayBlockingQueue<Integer> freeSlots;
    final PendingTable pending;
    private final Thread reaper;
    volatile boolean gone;
    volatile String goneDetail;
    private volatile boolean closing;
    final AtomicLong unmappedCompletions = new AtomicLong();

    private Connection(ControlClient control, Channel channel, StatusView status) {
        this.control = control;
        this.channel = channel;
        this.status = status;
        ChannelParameters parameters = channel.parameters();
        // Unanswered requests never exceed either ring's capacity (see claim); the rings are formatted alike today.
        this.capacity = Math.min(Math.min(parameters.completionRingCapacity(), parameters.requestRingCapacity()),
                parameters.slotCount());
        this.pageSizeBytes = parameters.pageSizeBytes();
        this.capacityPages = status.capacityPages();
        this.requests = channel.requestProducer();
        this.completions = channel.completionConsumer();
        this.permits = new Semaphore(capacity, true);
        this.pending = new PendingTable(capacity);
        this.freeSlots = new ArrayBlockingQueue<>(parameters.slotCount());
        for (int slot = 0; slot < parameters.slotCount(); slot++) {
            freeSlots.add(slot);
        }
        // The attaching thread touched no ring end; let the posting thread and the reaper bind on first use.
        requests.unbindThread();
        completions.unbindThread();
        this.reaper = new Thread(this::reap, "pagestore-client-reaper-" + channel.name());
        this.reaper.setDaemon(true);
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
            connection.reaper.start();
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
     * Takes {@code count} permits at once, waiting (a park) until {@code deadlineNanos}; on the completion thread it
     * never waits, since only that thread returns permits.
     */
    void acquirePermits(int count, long deadlineNanos) throws PageStoreException {
        checkUsable();
        boolean acquired;
        try {
            // One wait for the whole deadline, first come first served (the semaphore is fair), so a batch that
            // needs many permits is not overtaken forever by single requests.
            long waitNanos = Thread.currentThread() == reaper ? 0 : Math.max(0, deadlineNanos - System.nanoTime());
            acquired = permits.tryAcquire(count, waitNanos, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PageStoreException(ErrorCode.TIMEOUT, "interrupted while waiting for a request slot", e);
        }
        if (acquired && (gone || closing)) {
            permits.release(count);  // woken by failAll: pass the wake-up on to the next waiter
            acquired = false;
        }
        if (!acquired) {
            checkUsable();
            throw new PageStoreException(ErrorCode.TIMEOUT, "no free request slot " + (Thread.currentThread()
                    == reaper ? "on the completion thread, which cannot wait for one" : "before the deadline") + " ("
                    + capacity + " requests outstanding)");
        }
    }

    /** A buffer slot; the caller holds a permit for it (there are at least as many slots as permits). */
    int takeSlot() {
        Integer slot = freeSlots.poll();
        assert slot != null : "a permit guarantees a slot: slots " + channel.parameters().slotCount()
                + " >= permits " + capacity;
        return slot;
    }

    /** Returns permits and the slot (when not -1) taken for a request that was never published. */
    void giveBack(int permitCount, int slot) {
        if (slot >= 0) {
            freeSlots.add(slot);
        }
        permits.release(permitCount);
    }

    /** Returns permits and slots taken for requests that were never published. */
    void giveBack(int permitCount, int[] slots, int slotCount) {
        for (int i = 0; i < slotCount; i++) {
            freeSlots.add(slots[i]);
        }
        permits.release(permitCount);
    }

    /** Whether the calling thread is this connection's completion thread (which must never wait for a completion). */
    boolean onCompletionThread() {
        return Thread.currentThread() == reaper;
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

    private void reap() {
        try {
            reapUntilGone();
        } finally {
            if (!gone && !closing) {
                // Only this thread answers calls: without it every call would run to its deadline while the client
                // still looked connected. Failing them all lets the client re-attach.
                failAll(ErrorCode.PROTOCOL_ERROR, "the completion thread stopped");
            }
        }
    }

    private void reapUntilGone() {
        MemorySegment entries = completions.segment();
        int slotCount = channel.parameters().slotCount();
        while (!gone && !closing) {
            int n;
            try {
                n = completions.awaitAvailable(64, System.nanoTime() + REAPER_WAIT_NANOS);
            } catch (RuntimeException e) {
                failAll(ErrorCode.PROTOCOL_ERROR, "completion ring broken: " + e.getMessage());
                return;
            }
            for (int i = 0; i < n; i++) {
                long offset = completions.entryOffset(i);
                long requestId = CompletionDescriptor.requestId(entries, offset);
                if (!CompletionDescriptor.isWellFormed(entries, offset, slotCount)) {
                    unmappedCompletions.incrementAndGet();
                    continue;
                }
                Pending p = pending.get(requestId);
                if (p == null) {
                    unmappedCompletions.incrementAndGet();
                    continue;
                }
                try {
                    onCompletion(requestId, p, CompletionDescriptor.status(entries, offset),
                            CompletionDescriptor.result(entries, offset));
                } catch (Throwable e) {
                    // A completion that cannot be delivered fails that call only: this thread completes every other
                    // call of the connection, and a dead reaper would leave them to time out while the client
                    // still looks connected.
                    if (e instanceof VirtualMachineError && !(e instanceof InternalError)) {
                        throw e;
                    }
                    p.future.completeExceptionally(new PageStoreException(ErrorCode.INVALID, "request " + requestId
                            + " (" + p.opcodeName() + " page " + p.pageNumber + ") completed but its result"
                            + " could not be delivered: " + e, e));
                }
            }
            if (n > 0) {
                completions.release(n);
            }
        }
    }

    private void onCompletion(long requestId, Pending p, int statusCode, long result) {
        if (statusCode == CompletionDescriptor.STATUS_TIMEOUT && result == CompletionDescriptor.RESULT_SLOT_FENCED) {
            // The device may still write the slot: entry, slot and permit stay until the manager releases them.
            if (p.finish()) {
                p.future.completeExceptionally(new PageStoreException(ErrorCode.TIMEOUT, "request " + requestId
                        + " (page " + p.pageNumber + ") passed its deadline"));
            }
            return;
        }
        if (pending.remove(requestId) == null) {
            return;  // ended meanwhile by the manager's death or a close: nothing more to give back
        }
        boolean deliver = p.finish();
        Object value = null;
        PageStoreException failure = null;
        try {
            if (!deliver) {
                return;  // its caller gave up at its deadline: the answer, and the caller's buffer, are left alone
            }
            if (statusCode != CompletionDescriptor.STATUS_OK) {
                failure = new PageStoreException(ErrorCode.ofStatus(statusCode), "request " + requestId + " ("
                        + p.opcodeName() + " page " + p.pageNumber + ") failed");
            } else if (p.opcode != RequestDescriptor.OPCODE_READ) {
                value = result;
            } else if (p.destination != null) {
                p.destination.copyFrom(channel.buffer(p.slot));
                value = p.destination;
            } else {
                value = channel.buffer(p.slot).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
            }
        } finally {
            // Returned before the future completes, so a callback that posts again finds them free.
            if (p.slot >= 0) {
                freeSlots.add(p.slot);
            }
            permits.release();
        }
        if (failure != null) {
            p.future.completeExceptionally(failure);
        } else {
            p.future.complete(value);
        }
    }

    /** Whether the completion thread may write into {@code destination} (a confined segment belongs to one thread). */
    boolean completionThreadCanFill(MemorySegment destination) {
        return destination.isAccessibleBy(reaper);
    }

    private void managerGone(ManagerGoneEvent event) {
        goneDetail = event.cause() == ManagerGoneEvent.Cause.SESSION_ENDED
                ? "the manager (" + event.manager() + ") ended this session: " + event.detail()
                : "the manager (" + event.manager() + ") is gone: " + event.cause() + " (" + event.detail() + ")";
        gone = true;
        failAll(ErrorCode.MANAGER_GONE, goneDetail);
    }

    private void failAll(ErrorCode code, String detail) {
        gone = true;
        if (goneDetail == null) {
            goneDetail = detail;
        }
        // Wakes a poster waiting for permits, which sees `gone`, gives them back and so wakes the next one.
        permits.release(capacity);
        // Fail only what this thread removed: a poster that registers meanwhile sees `gone` and fails its own.
        for (Pending p : pending.removeAll()) {
            if (!p.finish()) {
                continue;
            }
            p.future.completeExceptionally(new PageStoreException(code, "request " + p.id + " ("
                    + p.opcodeName() + " page " + p.pageNumber + "): " + detail));
        }
    }

    /** Detaches (when the manager is still there) and unmaps everything. */
    void close(Duration detachTimeout) {
        closing = true;
        failAll(ErrorCode.CLOSED, "the client was closed");
        try {
            reaper.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            if (!control.isManagerGone()) {
                control.detach(detachTimeout);
            }
        } catch (IOException | RuntimeException e) {
            // the manager may be gone already; the socket close below is the goodbye then
        }
        control.close();
        try {
            if (!reaper.isAlive()) {
                channel.close();
            }
        } catch (IOException e) {
            // unmapping a file can only fail if it is already gone
        }
        status.close();
    }
}

package dev.pagestore.ipc.channel;

import dev.pagestore.ipc.linux.MappedRegion;
import dev.pagestore.ipc.linux.MemfdRegion;
import dev.pagestore.ipc.linux.ProcessIdentity;
import dev.pagestore.ipc.linux.SharedMemoryRegion;
import dev.pagestore.ipc.memory.OrderedAccess;
import dev.pagestore.ipc.ring.CompletionDescriptor;
import dev.pagestore.ipc.ring.RequestDescriptor;
import dev.pagestore.ipc.ring.RingConsumer;
import dev.pagestore.ipc.ring.RingDescriptor;
import dev.pagestore.ipc.ring.RingProducer;
import dev.pagestore.ipc.wait.WaitStrategy;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * One worker's data plane to the manager: shared memory laid out by {@link ChannelDescriptor}, holding a request ring
 * (worker to manager), a completion ring (manager to worker) and a slab of page buffers, one per request slot.
 *
 * <h2>Two kinds of memory</h2>
 * The manager and its workers use an anonymous, sealed memfd ({@link #createSealed}, {@link #attach(int, String,
 * ChannelParameters)}): it has no name anywhere, reaches the worker only as a descriptor over the control socket, and
 * its size is sealed, so no process holding it can shrink it under the manager's mapping. Ring tests and
 * benchmarks still use a named {@code /dev/shm} file (mode 0600; {@link #create(String, ChannelParameters)},
 * {@link #attach(String, ChannelParameters)}), which any same-user process can open; the layout is the same.
 *
 * <h2>Who may touch what</h2>
 * <ul>
 *   <li>The <b>manager</b> {@linkplain #create creates} the file, formats it, and is the request ring's consumer and
 *       the completion ring's producer. It reads and writes the buffers of slots named by requests it accepted (the
 *       device reads into and writes from them), and validates every request field before use.</li>
 *   <li>The <b>worker</b> {@linkplain #attach attaches}, and is the request ring's producer and the completion ring's
 *       consumer. It writes a slot's buffer before publishing a write request for it, and reads it only after the
 *       request's completion; it never touches a slot that has a request outstanding.</li>
 * </ul>
 * One file per worker means a worker maps only its own rings and buffers; a buggy worker cannot scribble on another's.
 * Nothing here is a lock: the ring ends are single-threaded (one thread per side), and the slot ownership rule above is
 * the whole contract for the buffers. Liveness (peer death) belongs to the control plane, with one exception: the
 * manager holds the channel's {@link Lifeline} while the channel lives, so that a worker that
 * {@linkplain #watchManager watches} it learns of the manager's death within a millisecond.
 *
 * <p>Thread safety: the accessors are safe from any thread; each ring end is used by one thread. {@link #close()}
 * once, after every user.
 */
public final class Channel implements AutoCloseable {
    /** Which side of the channel this process is. */
    public enum Role { MANAGER, WORKER }

    private final MappedRegion region;
    private final MemorySegment segment;
    private final Role role;
    private final ChannelParameters parameters;
    private final RingProducer requestProducer;
    private final RingConsumer requestConsumer;
    private final RingProducer completionProducer;
    private final RingConsumer completionConsumer;
    private final MemorySegment slab;
    /** One slice per slot, made once so that {@link #buffer} allocates nothing. */
    private final MemorySegment[] buffers;
    /** Manager side: whether this process holds the lifeline (and must release it before unmapping). */
    private boolean lifelineHeld;
    /** Worker side: the watch started by {@link #watchManager}, closed before unmapping. */
    private Lifeline.Watch lifelineWatch;

    /** Opens this side's ring ends over a region {@link ChannelOpening} has formatted (manager) or validated (worker). */
    Channel(MappedRegion region, Role role, ChannelParameters parameters, WaitStrategy waitStrategy) {
        this.region = region;
        this.segment = region.segment();
        this.role = role;
        this.parameters = parameters;
        ChannelDescriptor.Layout layout = ChannelDescriptor.layoutOf(parameters);
        MemorySegment requestRing = segment.asSlice(layout.requestRingOffset(),
                RingDescriptor.requiredBytes(parameters.requestRingCapacity(), RequestDescriptor.SIZE_BYTES));
        MemorySegment completionRing = segment.asSlice(layout.completionRingOffset(),
                RingDescriptor.requiredBytes(parameters.completionRingCapacity(), CompletionDescriptor.SIZE_BYTES));
        String requestName = "request ring of channel " + region.name();
        String completionName = "completion ring of channel " + region.name();
        if (role == Role.WORKER) {
            requestProducer = RingProducer.open(requestRing, requestName, parameters.requestRingCapacity(),
                    RequestDescriptor.SIZE_BYTES, waitStrategy);
            completionConsumer = RingConsumer.open(completionRing, completionName,
                    parameters.completionRingCapacity(), CompletionDescriptor.SIZE_BYTES, waitStrategy);
            requestConsumer = null;
            completionProducer = null;
        } else {
            requestConsumer = RingConsumer.open(requestRing, requestName, parameters.requestRingCapacity(),
                    RequestDescriptor.SIZE_BYTES, waitStrategy);
            completionProducer = RingProducer.open(completionRing, completionName,
                    parameters.completionRingCapacity(), CompletionDescriptor.SIZE_BYTES, waitStrategy);
            requestProducer = null;
            completionConsumer = null;
        }
        long slabBytes = (long) parameters.slotCount() * parameters.pageSizeBytes();
        this.slab = segment.asSlice(layout.slabOffset(), slabBytes);
        this.buffers = new MemorySegment[parameters.slotCount()];
        for (int slot = 0; slot < buffers.length; slot++) {
            buffers[slot] = slab.asSlice((long) slot * parameters.pageSizeBytes(), parameters.pageSizeBytes());
        }
        assert (slab.address() & (ChannelDescriptor.SECTION_ALIGNMENT_BYTES - 1)) == 0 : "slab must be page aligned";
    }

    /**
     * Manager side: creates {@code /dev/shm/NAME} (mode 0600), formats header and rings, and marks it
     * {@code CREATED}, ready for one worker to attach. Uses the {@linkplain WaitStrategy#defaultStrategy() default}
     * wait strategy.
     *
     * @throws java.nio.file.FileAlreadyExistsException when the name is taken
     */
    public static Channel create(String name, ChannelParameters parameters) throws IOException {
        return create(SharedMemoryRegion.SHM_ROOT, name, parameters, WaitStrategy.defaultStrategy());
    }

    /** As {@link #create(String, ChannelParameters)}, in {@code directory}, waiting with {@code waitStrategy}. */
    public static Channel create(Path directory, String name, ChannelParameters parameters,
            WaitStrategy waitStrategy) throws IOException {
        return ChannelOpening.createNamed(directory, name, parameters, waitStrategy);
    }

    /**
     * Manager side: creates the channel in an anonymous memfd named {@code label} (diagnostics only: it shows in
     * {@code /proc/PID/maps}), with every page reserved up front and its size sealed ({@link MemfdRegion#SIZE_SEALS}),
     * formats it and marks it {@code CREATED}. Pass {@link #descriptor()} to the one worker that may attach.
     *
     * @throws dev.pagestore.ipc.linux.ErrnoException ENOMEM or ENOSPC when the memory cannot be reserved
     */
    public static Channel createSealed(String label, ChannelParameters parameters, WaitStrategy waitStrategy)
            throws IOException {
        return ChannelOpening.createSealed(label, parameters, waitStrategy);
    }

    /** As {@link #createSealed(String, ChannelParameters, WaitStrategy)} with the default wait strategy. */
    public static Channel createSealed(String label, ChannelParameters parameters) throws IOException {
        return createSealed(label, parameters, WaitStrategy.defaultStrategy());
    }

    /**
     * Worker side: maps {@code /dev/shm/NAME}, validates every header field, and moves the state
     * {@code CREATED -> ATTACHED}, recording this process as the attacher.
     *
     * @param expected the parameters the control plane announced, or {@code null} to accept any legal ones
     * @throws ChannelFormatException when the file is not a channel, is truncated, has another version or shape than
     *         expected, or is not open for attach (the message says what was expected and what was found)
     * @throws java.nio.file.NoSuchFileException when there is no such file
     */
    public static Channel attach(String name, ChannelParameters expected) throws IOException {
        return attach(SharedMemoryRegion.SHM_ROOT, name, expected, WaitStrategy.defaultStrategy());
    }

    /** As {@link #attach(String, ChannelParameters)}, accepting any legal parameters the header holds. */
    public static Channel attach(String name) throws IOException {
        return attach(name, null);
    }

    /** As {@link #attach(String, ChannelParameters)}, in {@code directory}, waiting with {@code waitStrategy}. */
    public static Channel attach(Path directory, String name, ChannelParameters expected, WaitStrategy waitStrategy)
            throws IOException {
        return ChannelOpening.attachNamed(directory, name, expected, waitStrategy);
    }

    /**
     * Worker side: maps the sealed channel memfd {@code descriptor} received from the manager (after checking that
     * its size is sealed, so it cannot shrink under this mapping), validates every header field and moves the state
     * {@code CREATED -> ATTACHED}. Takes ownership of {@code descriptor}: it is closed before this returns or throws,
     * so that afterwards this process reaches the channel only through its mapping.
     *
     * @param label a name for messages and thread names
     * @param expected the parameters the control plane announced, or {@code null} to accept any legal ones
     */
    public static Channel attach(int descriptor, String label, ChannelParameters expected,
            WaitStrategy waitStrategy) throws IOException {
        return ChannelOpening.attachSealed(descriptor, label, expected, waitStrategy);
    }

    /** As {@link #attach(int, String, ChannelParameters, WaitStrategy)} with the default wait strategy. */
    public static Channel attach(int descriptor, String label, ChannelParameters expected) throws IOException {
        return attach(descriptor, label, expected, WaitStrategy.defaultStrategy());
    }

    /** Manager side, while formatting: this process now holds the lifeline, so {@link #close()} releases it. */
    void lifelineHeld() {
        lifelineHeld = true;
    }

    /** Worker only: the request ring's producing end. */
    public RingProducer requestProducer() {
        requireRole(Role.WORKER, "requestProducer");
        return requestProducer;
    }

    /** Worker only: the completion ring's consuming end. */
    public RingConsumer completionConsumer() {
        requireRole(Role.WORKER, "completionConsumer");
        return completionConsumer;
    }

    /** Manager only: the request ring's consuming end. */
    public RingConsumer requestConsumer() {
        requireRole(Role.MANAGER, "requestConsumer");
        return requestConsumer;
    }

    /** Manager only: the completion ring's producing end. */
    public RingProducer completionProducer() {
        requireRole(Role.MANAGER, "completionProducer");
        return completionProducer;
    }

    private void requireRole(Role required, String what) {
        if (role != required) {
            throw new IllegalStateException(what + " belongs to the " + required + " side; this end of channel "
                    + name() + " is the " + role);
        }
    }

    /**
     * The page buffer of {@code slot}: {@code pageSizeBytes} long, at a 4096-aligned address (the mapping is page
     * aligned and the buffer's file offset is a multiple of the page size). Allocates nothing.
     */
    public MemorySegment buffer(int slot) {
        return buffers[java.util.Objects.checkIndex(slot, buffers.length)];
    }

    /**
     * All buffers, contiguous: at a 4096-aligned address and a file offset aligned to {@code max(4096, pageSize)} (for
     * O_DIRECT and io_uring fixed-buffer registration).
     */
    public MemorySegment slab() {
        return slab;
    }

    public ChannelParameters parameters() {
        return parameters;
    }

    public Role role() {
        return role;
    }

    /** The name under {@code /dev/shm}, or the memfd's label. */
    public String name() {
        return region.name();
    }

    /** The {@code /dev/shm} file of a named channel; {@code null} for a memfd channel. */
    public Path path() {
        return region instanceof SharedMemoryRegion named ? named.path() : null;
    }

    /**
     * Manager side of a memfd channel: its descriptor, to pass to the worker (this channel keeps owning it, until
     * {@link #close()}).
     */
    public int descriptor() {
        if (!(region instanceof MemfdRegion memfd) || role != Role.MANAGER) {
            throw new IllegalStateException("channel " + name() + " has no descriptor to pass (only the manager's"
                    + " end of a memfd channel has)");
        }
        return memfd.descriptor();
    }

    /** The whole mapping (tests and diagnostics). */
    public MemorySegment segment() {
        return segment;
    }

    /** The state word now, as {@link ChannelDescriptor#stateName}. */
    public String state() {
        return ChannelDescriptor.stateName(ChannelDescriptor.stateAcquire(segment));
    }

    /** The manager process that created the channel, as recorded in the header (validated; empty if garbage). */
    public Optional<ProcessIdentity> creator() {
        return ChannelDescriptor.creator(segment);
    }

    /** The worker process that attached, as recorded in the header (validated; empty before attach or if garbage). */
    public Optional<ProcessIdentity> attacher() {
        return ChannelDescriptor.attacher(segment);
    }

    /**
     * Worker side: tells {@code onManagerDied} (once, on the process's {@link dev.pagestore.ipc.control.ManagerWatch}
     * thread, with a detail) if the manager process dies while this channel is attached: it must be short. A second
     * call is refused.
     */
    public synchronized void watchManager(java.util.function.Consumer<String> onManagerDied) {
        Objects.requireNonNull(onManagerDied, "onManagerDied");
        if (role != Role.WORKER) {
            throw new IllegalStateException("only the worker side watches the manager's lifeline");
        }
        if (lifelineWatch != null) {
            throw new IllegalStateException("the manager's lifeline of " + name() + " is already watched");
        }
        if (!region.segment().scope().isAlive()) {
            throw new IllegalStateException("channel " + name() + " is closed");
        }
        lifelineWatch = Lifeline.watch(segment, name(), onManagerDied);
    }

    /**
     * Removes the name from {@code /dev/shm}; mappings stay valid. Manager side, after the worker is gone. Nothing to
     * do for a memfd channel.
     */
    public void unlink() throws IOException {
        if (region instanceof SharedMemoryRegion named) {
            named.unlink();
        }
    }

    /**
     * Marks the channel {@code DETACHED} (worker) or {@code CLOSED} (manager) and unmaps it. The manager also unlinks
     * the file. Every ring end and buffer of this object is unusable afterwards.
     */
    @Override
    public void close() throws IOException {
        // The lifeline watch lives on this mapping: stop it first, outside this object's monitor, because its callback
        // (the client failing its calls) may run user code that closes this channel too.
        Lifeline.Watch watch;
        synchronized (this) {
            watch = lifelineWatch;
            lifelineWatch = null;
        }
        if (watch != null) {
            watch.close();
        }
        synchronized (this) {
            if (!region.segment().scope().isAlive()) {
                return;
            }
            try {
                if (lifelineHeld) {
                    lifelineHeld = false;
                    Lifeline.release(segment);  // before the unmap: the manager's robust list links this entry
                }
            } finally {
                try {
                    if (role == Role.WORKER) {
                        OrderedAccess.compareAndSetInt(segment, ChannelDescriptor.STATE_OFFSET,
                                ChannelDescriptor.STATE_ATTACHED, ChannelDescriptor.STATE_DETACHED);
                    } else {
                        OrderedAccess.setIntRelease(segment, ChannelDescriptor.STATE_OFFSET,
                                ChannelDescriptor.STATE_CLOSED);
                        unlink();
                    }
                } finally {
                    region.close();
                }
            }
        }
    }

    @Override
    public String toString() {
        return "Channel{" + name() + ", " + role + ", " + parameters + "}";
    }
}

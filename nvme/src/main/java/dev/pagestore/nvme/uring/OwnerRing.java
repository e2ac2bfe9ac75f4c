package dev.pagestore.nvme.uring;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The io_uring ring of a queue pair's current owner thread. The ring is made on the thread that opens the queue pair,
 * with the device's descriptor registered ({@code IOSQE_FIXED_FILE}) and any fixed buffers; with
 * {@code SINGLE_ISSUER} the kernel refuses every other submitter, so when the queue pair is handed to another thread,
 * that thread's first call closes the old, idle ring and makes its own, registrations redone. Handing over a queue
 * pair with commands in the kernel is refused at that first call: the old ring cannot be drained from another thread.
 */
final class OwnerRing {
    private static final Logger LOG = LoggerFactory.getLogger(IoUringBackend.class);

    private final IoUringBlockDevice device;
    private final String name;
    private final int ringEntries;
    private IoUring ring;
    private RingFile file;

    private String bufferRegistrationFailure = "";
    // Regions attached and detached while the queue pair runs, by handle (their entry in the ring's buffer table);
    // registered again on a new ring after an ownership hand-off.
    private final MemorySegment[] attached = new MemorySegment[RingRegistrations.ATTACHED_MAX];

    OwnerRing(IoUringBlockDevice device, String name, int ringEntries) throws IOException {
        this.device = device;
        this.name = name;
        this.ringEntries = ringEntries;
        this.ring = openRing();
    }

    /** The ring as it is, without making one for the caller (for counters, and close from another thread). */
    IoUring current() {
        return ring;
    }

    /** The device as the current ring names it in an SQE. */
    RingFile file() {
        return file;
    }

    /** The ring, created anew on this thread if the queue pair was handed over since the ring was made. */
    IoUring forCaller() {
        IoUring r = ring;
        if (r.owner() == Thread.currentThread()) {
            return r;
        }
        closeFromSuccessor(r);
        try {
            ring = openRing();
        } catch (IOException e) {
            throw new UncheckedIOException(name + ": creating the io_uring ring on new owner thread '"
                    + Thread.currentThread().getName() + "' failed", e);
        }
        LOG.debug("{}: ring re-created on thread '{}' after an ownership hand-off", name,
                Thread.currentThread().getName());
        return ring;
    }

    void closeFromSuccessor(IoUring old) {
        try {
            old.closeIdleFromSuccessor();
        } catch (IllegalStateException e) {
            throw new IllegalStateException(name + " was handed from thread '" + old.owner().getName()
                    + "' to thread '" + Thread.currentThread().getName() + "' while its io_uring ring was busy ("
                    + e.getMessage() + "); hand a queue pair over only when nothing is in flight", e);
        }
    }

    /**
     * Registers {@code region} in a free entry of the ring's buffer table, redone on a new ring after a hand-off.
     * Returns its handle for {@link #detachBuffer}, or -1 when it is not registered: the kernel refused (logged once)
     * or the table is full. I/O into it works either way.
     */
    int attachBuffer(MemorySegment region) {
        Objects.requireNonNull(region, "region");
        if (!region.isNative() || region.byteSize() == 0 || region.byteSize() > RingRegistrations.BUFFER_BYTES_MAX) {
            throw new IllegalArgumentException("region " + region + " must be native memory of 1.."
                    + RingRegistrations.BUFFER_BYTES_MAX + " bytes");
        }
        IoUring target = forCaller();
        int handle = 0;
        while (handle < attached.length && attached[handle] != null) {
            handle++;
        }
        if (handle == attached.length) {
            bufferRegistrationFailure = "all " + attached.length + " entries of the buffer table in use";
            return -1;
        }
        if (!target.registrations().setBuffer(handle, region)) {
            bufferRegistrationFailure = target.registrations().bufferRegistrationFailure();
            return -1;
        }
        bufferRegistrationFailure = "";
        attached[handle] = region;
        return handle;
    }

    /** Takes back a handle of {@link #attachBuffer}; I/O into the region still in flight keeps its pages pinned. */
    void detachBuffer(int handle) {
        if (handle < 0 || handle >= attached.length || attached[handle] == null) {
            throw new IllegalArgumentException(name + ": buffer handle " + handle + " is not attached");
        }
        forCaller().registrations().clearBuffer(handle);
        attached[handle] = null;
    }

    /** Whether the current ring has an attached region registered. */
    boolean buffersRegistered() {
        return ring.registrations().buffersRegistered();
    }

    /** Why {@link #attachBuffer} last fell back to unregistered buffers, or empty. */
    String bufferRegistrationFailure() {
        return bufferRegistrationFailure;
    }

    private IoUring openRing() throws IOException {
        IoUringBlockDevice.Settings settings = device.settings();
        IoUring created = IoUring.open(new IoUringOptions(ringEntries, settings.singleIssuer(),
                settings.deferTaskrun(), settings.closeWaitTimeout()));
        boolean success = false;
        try {
            file = settings.registerFile() ? created.registrations().registerFiles(device.fd())[0]
                    : RingFile.unregistered(device.fd());
            for (int handle = 0; handle < attached.length; handle++) {
                if (attached[handle] != null) {
                    created.registrations().setBuffer(handle, attached[handle]);
                }
            }
            success = true;
            return created;
        } finally {
            if (!success) {
                created.close();
            }
        }
    }
}

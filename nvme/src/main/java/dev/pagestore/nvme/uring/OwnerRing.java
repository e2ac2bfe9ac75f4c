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

    // Caller memory to register as fixed buffers (redone on a new ring after an ownership hand-off).
    private MemorySegment[] bufferRegions = new MemorySegment[0];
    private boolean buffersRegistered;
    private String bufferRegistrationFailure = "";

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
     * Registers {@code regions} as fixed buffers of this ring, once; reads and writes whose buffer lies inside a
     * region then skip the per-I/O page pinning. Returns false when the kernel refused (logged once; I/O then uses
     * unregistered buffers and {@link #bufferRegistrationFailure()} says why).
     */
    boolean registerBuffers(MemorySegment[] regions) {
        if (bufferRegions.length > 0) {
            throw new IllegalStateException(name + " already has " + bufferRegions.length + " registered region(s)");
        }
        if (regions.length == 0 || regions.length > RingRegistrations.BUFFERS_MAX) {
            throw new IllegalArgumentException("regions.length=" + regions.length + " must be in [1, "
                    + RingRegistrations.BUFFERS_MAX + "]");
        }
        for (int i = 0; i < regions.length; i++) {
            MemorySegment region = Objects.requireNonNull(regions[i], "regions[" + i + "]");
            if (!region.isNative() || region.byteSize() == 0
                    || region.byteSize() > RingRegistrations.BUFFER_BYTES_MAX) {
                throw new IllegalArgumentException("regions[" + i + "]=" + region + " must be native memory of 1.."
                        + RingRegistrations.BUFFER_BYTES_MAX + " bytes");
            }
        }
        bufferRegions = regions;
        return registerWith(forCaller());
    }

    private boolean registerWith(IoUring target) {
        buffersRegistered = target.registrations().registerBuffers(bufferRegions);
        bufferRegistrationFailure = buffersRegistered ? "" : target.registrations().bufferRegistrationFailure();
        return buffersRegistered;
    }

    /** Whether {@link #registerBuffers} succeeded on the current ring. */
    boolean buffersRegistered() {
        return buffersRegistered;
    }

    /** Why {@link #registerBuffers} fell back to unregistered buffers, or empty. */
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
            if (bufferRegions.length > 0) {
                registerWith(created);
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

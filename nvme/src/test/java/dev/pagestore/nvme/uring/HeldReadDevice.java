package dev.pagestore.nvme.uring;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.pagestore.ipc.linux.ErrnoException;
import dev.pagestore.ipc.linux.Libc;
import dev.pagestore.ipc.linux.LibcFiles;
import dev.pagestore.ipc.linux.LibcSockets;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.locks.LockSupport;

/**
 * Test fixture: an io_uring device over one end of a socket pair, so that a read stays in the kernel until the test
 * sends bytes into the other end. The io_uring queue pair tests need a command that is really in the kernel for as
 * long as they choose (to time it out, cancel it, hand a busy ring over, close or drain around it); a socket read
 * gives them one without anything in main code to slow a command down: io_uring parks it on a poll of the socket,
 * {@code IORING_OP_ASYNC_CANCEL} finds it there, and it completes only with bytes the test sent.
 *
 * <p>Only reads of {@link #BLOCK} bytes at device offset 0 make sense on it: a socket has no offsets (the kernel
 * answers any other with {@code ESPIPE}).
 */
final class HeldReadDevice implements AutoCloseable {
    static final int BLOCK = 4096;

    private final IoUringBlockDevice device;
    private final int peerFd;
    private final Arena arena = Arena.ofShared();
    private boolean closed;

    private HeldReadDevice(IoUringBlockDevice device, int peerFd) {
        this.device = device;
        this.peerFd = peerFd;
    }

    static HeldReadDevice open() throws ErrnoException {
        int[] fds = new int[2];
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment pair = scratch.allocate(JAVA_INT, 2);
            Libc.check(LibcSockets.socketpair(LibcSockets.AF_UNIX, LibcSockets.SOCK_STREAM | LibcSockets.SOCK_CLOEXEC, 0, pair), "socketpair", "");
            fds[0] = pair.getAtIndex(JAVA_INT, 0);
            fds[1] = pair.getAtIndex(JAVA_INT, 1);
        }
        // The device adopts fds[0] and closes it; the test writes into fds[1].
        IoUringBlockDevice device = IoUringBlockDevice.ofDescriptor("held-read socket", fds[0], BLOCK, BLOCK, BLOCK,
                IoUringBlockDevice.Settings.defaults());
        return new HeldReadDevice(device, fds[1]);
    }

    IoUringBlockDevice device() {
        return device;
    }

    /** A buffer a read on this device may use, valid until {@link #close()}. */
    MemorySegment buffer() {
        return arena.allocate(BLOCK, BLOCK);
    }

    /** Sends one block of {@code fill} bytes: a read waiting in the kernel completes with it. */
    void send(byte fill) throws ErrnoException {
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment block = scratch.allocate(BLOCK, BLOCK);
            block.fill(fill);
            // One write of 4 KiB into an empty AF_UNIX stream socket buffer is taken whole.
            long sent = Libc.check(LibcFiles.write(peerFd, block, BLOCK), "write", "held-read socket peer");
            if (sent != BLOCK) {
                throw new AssertionError("sent " + sent + " of " + BLOCK + " bytes into the held-read socket");
            }
        }
    }

    /** {@link #send} from another thread after {@code delayNanos}; join the thread before asserting on the read. */
    Thread sendLater(long delayNanos, byte fill) {
        return Thread.ofPlatform().name("held-read-sender").start(() -> {
            LockSupport.parkNanos(delayNanos);
            try {
                send(fill);
            } catch (ErrnoException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /** Closes the device (the queue pairs on it must be closed first) and the other end of the socket. */
    @Override
    public void close() throws Exception {
        if (closed) {
            return;
        }
        closed = true;
        try {
            device.close();
        } finally {
            LibcFiles.close(peerFd);
            arena.close();
        }
    }
}

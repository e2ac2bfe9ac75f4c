package dev.pagestore.wal;

import dev.pagestore.ipc.linux.Errno;
import dev.pagestore.ipc.linux.ErrnoException;
import dev.pagestore.nvme.BlockDevice;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One handle's view of a {@link ModelledLogFile} in one directory incarnation: its size changes are device steps
 * under the incarnation's {@link PowerGate} and fail once the power is cut, its bytes move through a
 * {@link PoweredBlockDevice}, and new space is refused with {@code ENOSPC} while the file system is full.
 *
 * <p>Thread safety: as the handle using it; the file behind it is synchronized.
 */
final class PoweredLogFile implements LogFile {
    private final String name;
    private final ModelledLogFile file;
    private final PowerGate gate;
    private final PoweredBlockDevice device;
    private final AtomicBoolean fileSystemFull;

    PoweredLogFile(String name, ModelledLogFile file, PowerGate gate, AtomicBoolean fileSystemFull) {
        this.name = name;
        this.file = file;
        this.gate = gate;
        this.device = new PoweredBlockDevice(file, gate);
        this.fileSystemFull = fileSystemFull;
    }

    @Override
    public BlockDevice device() {
        return device;
    }

    @Override
    public long visibleSize() throws IOException {
        gate.enter("size of " + name);
        try {
            return file.visibleSize();
        } finally {
            gate.exit();
        }
    }

    @Override
    public void visibleSize(long size) throws IOException {
        gate.enter("resize " + name);
        try {
            file.visibleSize(size);
        } finally {
            gate.exit();
        }
    }

    /** A full file system refuses new space as {@code fallocate(2)} does; the space a file has stays its own. */
    @Override
    public void reserve(long sizeBytes) throws IOException {
        gate.enter("fallocate " + name);
        try {
            if (fileSystemFull.get() && sizeBytes > file.visibleSize()) {
                throw new ErrnoException("fallocate", name + " to " + sizeBytes + " bytes", Errno.ENOSPC.number());
            }
        } finally {
            gate.exit();
        }
    }

    @Override
    public long writtenLimit() {
        return file.writtenLimit();
    }

    /** A write that completed before a cut reached the media, but no longer extends the file once the power is off. */
    @Override
    public void written(long end) {
        gate.enterUnpowered();
        try {
            file.written(end, !gate.isOff());
        } finally {
            gate.exit();
        }
    }
}

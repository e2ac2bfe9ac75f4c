package dev.pagestore.wal;

import dev.pagestore.nvme.BlockDevice;
import java.io.IOException;

/**
 * One handle's view of a {@link ModelledLogFile} in one directory incarnation: its size changes are device steps
 * under the incarnation's {@link PowerGate} and fail once the power is cut, and its bytes move through a
 * {@link PoweredBlockDevice}.
 *
 * <p>Thread safety: as the handle using it; the file behind it is synchronized.
 */
final class PoweredLogFile implements LogFile {
    private final String name;
    private final ModelledLogFile file;
    private final PowerGate gate;
    private final PoweredBlockDevice device;

    PoweredLogFile(String name, ModelledLogFile file, PowerGate gate) {
        this.name = name;
        this.file = file;
        this.gate = gate;
        this.device = new PoweredBlockDevice(file, gate);
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

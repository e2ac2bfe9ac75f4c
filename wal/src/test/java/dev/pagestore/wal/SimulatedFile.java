package dev.pagestore.wal;

import dev.pagestore.nvme.sim.NvmeOpcodes;
import dev.pagestore.nvme.sim.NvmeStatus;
import dev.pagestore.nvme.sim.SimulatedNvmeDevice;
import java.util.concurrent.TimeUnit;

/**
 * What a test does to one file of a {@link SimulatedLogDirectory}: rot its bytes or cut it short (damage the log must
 * detect), fail its next writes or flushes with a media error, hold its next write at the controller (a disk that
 * stalls), count its flushes. It stays with the file it was taken for when that file is renamed.
 *
 * <p>Faults go through the file's controller ({@link SimulatedNvmeDevice#faults()}, its media
 * {@link SimulatedNvmeDevice#media()}); a file cut short is the file system's doing, so that is the file's size
 * ({@link ModelledLogFile#cutShort}).
 *
 * <p>Thread safety: safe from any thread, as the controller's fault plan and media are; one test thread holds and
 * releases.
 */
public final class SimulatedFile {
    private final String name;
    private final ModelledLogFile file;
    private final SimulatedNvmeDevice device;
    private volatile int faultsBeforeHold;

    SimulatedFile(String name, ModelledLogFile file) {
        this.name = name;
        this.file = file;
        this.device = (SimulatedNvmeDevice) file.device();
    }

    /** The file's controller, for what this handle does not name. */
    public SimulatedNvmeDevice device() {
        return device;
    }

    /** The size a read sees now. */
    public long size() {
        return file.visibleSize();
    }

    /** Flips bit {@code bit} of the byte at {@code offset}, for every later read and across power cuts (sector rot). */
    public void flipBit(long offset, int bit) {
        if (offset < 0 || offset >= size()) {
            throw new IllegalArgumentException("offset=" + offset + " is outside " + name + " of " + size() + " bytes");
        }
        device.media().flipBit(offset, bit);
    }

    /** Cuts the file short to {@code sizeBytes}, now and durably (a file that lost its tail). */
    public void cutShort(long sizeBytes) {
        file.cutShort(sizeBytes);
    }

    /** The next {@code count} write commands fail with a media error (NVMe Write Fault), writing nothing. */
    public void failNextWrites(int count) {
        device.faults().failNext(NvmeOpcodes.WRITE, count, NvmeStatus.WRITE_FAULT);
    }

    /** The next {@code count} flush commands fail with a media error (NVMe Write Fault), making nothing durable. */
    public void failNextFlushes(int count) {
        device.faults().failNext(NvmeOpcodes.FLUSH, count, NvmeStatus.WRITE_FAULT);
    }

    /** Flushes that reached the media (a failed one does not). */
    public long flushes() {
        return device.media().flushes();
    }

    /**
     * The next write command is held at the controller, unanswered, until {@link #releaseHeld()}. Release it only after
     * {@link #awaitHeldWrite()}: a release answers the commands held so far, and a write fetched after it would be held
     * until the next.
     */
    public void holdNextWrite() {
        faultsBeforeHold = device.faults().injectedCount();
        device.faults().holdNext(NvmeOpcodes.WRITE, 1);
    }

    /** Waits until the controller has fetched the write {@link #holdNextWrite()} holds (its writer is stopped in it). */
    public void awaitHeldWrite() throws InterruptedException {
        long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (device.faults().injectedCount() == faultsBeforeHold) {
            if (System.nanoTime() > giveUp) {
                throw new AssertionError("no write reached " + this + " in 10 s");
            }
            Thread.sleep(1);
        }
    }

    /** Answers the held commands at their queue's next poll. */
    public void releaseHeld() {
        device.faults().releaseHeld();
    }

    @Override
    public String toString() {
        return "SimulatedFile[" + name + " on " + device.name() + "]";
    }
}

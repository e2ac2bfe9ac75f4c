package dev.pagestore.wal;

import dev.pagestore.nvme.BlockDevice;
import dev.pagestore.nvme.CompletionHandler;
import dev.pagestore.nvme.IoOpcode;
import dev.pagestore.nvme.IoStatus;
import dev.pagestore.nvme.QueueBackend;
import dev.pagestore.nvme.QueuePair;
import dev.pagestore.nvme.RetryPolicy;
import dev.pagestore.nvme.StatusDetail;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;

/**
 * A queue backend that is a queue pair of the media's own device, with every doorbell and every poll taken
 * under a {@link PowerGate}: the power switch of a simulated machine, kept out of the log's production path. A cut
 * falls between two of these steps, never inside one ({@link PowerGate} says why).
 *
 * <p>A flush that completes OK makes the file's size at its issue durable in the same step
 * ({@link ModelledLogFile#sizeDurable}), so a cut cannot fall between a flush and the size it covers. Once the power is
 * off, a doorbell throws {@link UncheckedIOException} ("power lost") and every command still outstanding completes as
 * {@link IoStatus#ABORTED} at the next poll, without touching the media again.
 *
 * <p>The inner queue pair belongs to the thread that made it, so it is made on the owner's first command and made
 * again when the outer one was handed to another thread while idle (the old one is left to the media's close).
 *
 * <p>Thread safety: as {@link QueuePair}, owner thread only; the gate may be cut from any thread.
 */
final class PoweredBackend implements QueueBackend {
    private final String name;
    private final BlockDevice media;
    private final PowerGate gate;
    private final ModelledLogFile file;
    private final int depth;
    private final boolean[] outstanding;
    private final int[] cidOfSlot;
    private final long[] flushedSizeOfSlot;
    // The inner command's tag is the outer slot above the outer cid, so its completion names both.
    private final CompletionHandler relay = (tag, status, transferredBytes, detail) ->
            completed((int) (tag >>> 16), (int) (tag & 0xFFFF), status, transferredBytes, detail);
    private QueuePair inner;
    private Reaped into;

    PoweredBackend(String name, BlockDevice media, PowerGate gate, ModelledLogFile file, int depth) {
        this.name = name;
        this.media = media;
        this.gate = gate;
        this.file = file;
        this.depth = depth;
        this.outstanding = new boolean[depth];
        this.cidOfSlot = new int[depth];
        this.flushedSizeOfSlot = new long[depth];
    }

    @Override
    public void issue(int slot, int cid, IoOpcode opcode, MemorySegment buffer, long deviceOffset, int lengthBytes) {
        QueuePair q = gate.isOff() ? null : inner();
        outstanding[slot] = true;
        cidOfSlot[slot] = cid;
        flushedSizeOfSlot[slot] = opcode == IoOpcode.FLUSH ? file.visibleSize() : -1;
        if (q == null) {
            return; // the doorbell refuses it and the next poll aborts it
        }
        long tag = (long) slot << 16 | cid;
        boolean prepared = switch (opcode) {
            case READ -> q.prepareRead(tag, buffer, deviceOffset, lengthBytes, QueuePair.NO_DEADLINE);
            case WRITE -> q.prepareWrite(tag, buffer, deviceOffset, lengthBytes, QueuePair.NO_DEADLINE);
            case FLUSH -> q.prepareFlush(tag, QueuePair.NO_DEADLINE);
            case WRITE_ZEROES -> q.prepareWriteZeroes(tag, deviceOffset, lengthBytes, QueuePair.NO_DEADLINE);
        };
        assert prepared : "the media's queue pair has the same depth, one command per outer slot";
    }

    @Override
    public void ringDoorbell(int issuedCount) {
        boolean powered;
        gate.enterUnpowered();
        try {
            powered = !gate.isOff();
            if (powered) {
                inner().submit();
            }
        } finally {
            gate.exit();
        }
        if (!powered) {
            throw new UncheckedIOException(new IOException("power lost: submit to " + name));
        }
        gate.stepDone();
    }

    @Override
    public int drain(int max, Reaped into) {
        int drained;
        boolean powered;
        this.into = into;
        gate.enterUnpowered();
        try {
            powered = !gate.isOff();
            if (!powered) {
                drained = abortOutstanding();
            } else if (inner == null || inner.ownerThread() != Thread.currentThread()) {
                drained = 0; // nothing issued on this owner's queue pair yet
            } else {
                drained = inner.poll(max, relay);
            }
        } finally {
            gate.exit();
            this.into = null;
        }
        if (powered) {
            gate.stepDone();
        }
        return drained;
    }

    @Override
    public void close() {
        if (inner != null && inner.ownerThread() == Thread.currentThread()) {
            gate.enterUnpowered(); // a close may poll the controller: never at the same time as a cut
            try {
                inner.close(CompletionHandler.DISCARD, 0);
            } finally {
                gate.exit();
            }
        }
    }

    private QueuePair inner() {
        if (inner == null || inner.ownerThread() != Thread.currentThread()) {
            for (boolean busy : outstanding) {
                assert !busy || inner == null : name + " was handed to another thread with commands in flight";
            }
            try {
                inner = media.openQueuePair(depth);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            inner.retryPolicy(RetryPolicy.NONE); // the outer queue pair owns deadlines and retries
        }
        return inner;
    }

    private void completed(int slot, int cid, IoStatus status, int transferredBytes, int detail) {
        if (outstanding[slot] && cidOfSlot[slot] == cid) {
            outstanding[slot] = false;
            if (flushedSizeOfSlot[slot] >= 0 && status.isOk()) {
                file.sizeDurable(flushedSizeOfSlot[slot]);
            }
        }
        boolean taken = into.reaped(cid, status, transferredBytes, detail);
        assert taken : "one poll of the media reaps at most as many completions as this drain takes";
    }

    private int abortOutstanding() {
        int aborted = 0;
        for (int slot = 0; slot < depth; slot++) {
            if (outstanding[slot]) {
                outstanding[slot] = false;
                into.reaped(cidOfSlot[slot], IoStatus.ABORTED, 0, StatusDetail.NONE);
                aborted++;
            }
        }
        return aborted;
    }
}

package dev.pagestore.torture.loop;

import dev.pagestore.client.ErrorCode;
import dev.pagestore.client.PageStoreClient;
import dev.pagestore.client.PageStoreException;
import dev.pagestore.nvme.sim.FaultInjector;
import dev.pagestore.nvme.sim.NvmeOpcodes;
import dev.pagestore.nvme.sim.NvmeStatus;
import dev.pagestore.wal.SimulatedLogDirectory;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;

/**
 * One cell of the device fault matrix: a fault injected into the simulated data device or the WAL's, the calls that
 * meet it, and what each call may end with. {@link FaultMatrixLoop} runs every cell on a new store and then checks
 * that the store still serves (or stopped by itself, saying why, where the cell expects that).
 */
enum FaultCell {
    READ_ERROR("a read the device fails, no retry can cure", Set.of(ErrorCode.IO_ERROR)) {
        @Override
        void inject(Faults f) {
            f.data().failNext(NvmeOpcodes.READ, 1_000, NvmeStatus.withDoNotRetry(NvmeStatus.UNRECOVERED_READ_ERROR));
        }
    },
    READ_TRANSIENT("a read the device fails twice, then a retry succeeds", Set.of()) {
        @Override
        void inject(Faults f) {
            f.data().failNext(NvmeOpcodes.READ, 2, NvmeStatus.DATA_TRANSFER_ERROR);
        }
    },
    WRITE_ERROR("data-file writes the device fails: the WAL holds them, so they are acknowledged and read back",
            Set.of()) {
        @Override
        void inject(Faults f) {
            f.data().failNext(NvmeOpcodes.WRITE, 1_000, NvmeStatus.withDoNotRetry(NvmeStatus.WRITE_FAULT));
        }
    },
    WRITE_TRANSIENT("a data-file write failed twice, then retried", Set.of()) {
        @Override
        void inject(Faults f) {
            f.data().failNext(NvmeOpcodes.WRITE, 2, NvmeStatus.DATA_TRANSFER_ERROR);
        }
    },
    DATA_NO_SPACE("data-file writes answered capacity exceeded: acknowledged from the WAL, kept for the checkpoint",
            Set.of()) {
        @Override
        void inject(Faults f) {
            f.data().failNext(NvmeOpcodes.WRITE, 1_000, NvmeStatus.CAPACITY_EXCEEDED);
        }
    },
    LOST_COMPLETION("a read whose completion the device never posts: TIMEOUT at the deadline",
            Set.of(ErrorCode.TIMEOUT)) {
        @Override
        void inject(Faults f) {
            f.data().loseCompletionOfNext(NvmeOpcodes.READ, 1);
        }
    },
    LATE_COMPLETION("a read completed many polls late", Set.of(ErrorCode.TIMEOUT)) {
        @Override
        void inject(Faults f) {
            f.data().delayNext(NvmeOpcodes.READ, 1, 200);
        }
    },
    DUPLICATE_COMPLETION("a read completed twice", Set.of()) {
        @Override
        void inject(Faults f) {
            f.data().duplicateCompletionOfNext(NvmeOpcodes.READ, 2);
        }
    },
    SPURIOUS_COMPLETION("completions for command ids never issued (the seed document's failure)", Set.of()) {
        @Override
        void inject(Faults f) {
            for (int queuePair = 0; queuePair < 4; queuePair++) {
                for (int cid = 0; cid < 64; cid += 7) {
                    f.data().spuriousCompletion(queuePair, cid, NvmeStatus.SUCCESS);
                }
            }
        }
    },
    HELD_COMMANDS("reads held back by the device past their deadline, then released", Set.of(ErrorCode.TIMEOUT)) {
        @Override
        void inject(Faults f) {
            f.data().holdNext(NvmeOpcodes.READ, 2);
        }

        @Override
        void after(Faults f) {
            f.data().releaseHeld();
        }
    },
    SHORT_TRANSFER("reads that move fewer bytes than asked", Set.of(ErrorCode.IO_ERROR)) {
        @Override
        void inject(Faults f) {
            f.data().shortTransferNext(NvmeOpcodes.READ, 2, 512);
        }
    },
    WAL_NO_SPACE("the file system full when the WAL needs its next segment: writes answered NO_SPACE (or TIMEOUT"
            + " while they wait for space), reads served", Set.of(ErrorCode.NO_SPACE, ErrorCode.TIMEOUT)) {
        @Override
        void inject(Faults f) {
            f.wal().fileSystemFull(true);
        }

        @Override
        void after(Faults f) {
            f.wal().fileSystemFull(false);
        }
    },
    WAL_WRITE_ERROR("the WAL's device fails a write: the manager stops by itself and says why",
            Set.of(ErrorCode.IO_ERROR, ErrorCode.MANAGER_GONE, ErrorCode.SHUTTING_DOWN, ErrorCode.CLOSED)) {
        @Override
        void inject(Faults f) {
            f.walDevice().failNext(NvmeOpcodes.WRITE, 1_000, NvmeStatus.withDoNotRetry(NvmeStatus.WRITE_FAULT));
        }

        @Override
        boolean stopsTheManager() {
            return true;
        }
    };

    /** The devices of one cell's store. */
    record Faults(FaultInjector data, SimulatedLogDirectory wal, FaultInjector walDevice) {
    }

    private final String description;
    private final Set<ErrorCode> allowed;

    FaultCell(String description, Set<ErrorCode> allowed) {
        this.description = description;
        this.allowed = allowed;
    }

    String description() {
        return description;
    }

    abstract void inject(Faults faults);

    /** Undoes what must not outlast the cell (held commands, a full file system). */
    void after(Faults faults) {
    }

    /** Whether the manager must stop by itself (a WAL that cannot write). */
    boolean stopsTheManager() {
        return false;
    }

    /** Whether a call may end with {@code code} in this cell (success always may, unless a stop is due). */
    boolean allows(ErrorCode code) {
        return allowed.contains(code);
    }

    /**
     * Calls to make under the fault: reads of written pages, and writes. A write that ends TIMEOUT may still happen:
     * its image goes to {@code maybe}, which the check afterwards also accepts.
     */
    static void exercise(PageStoreClient client, byte[][] written, byte[][] maybe, Duration timeout,
            CellCalls calls) {
        for (int i = 0; i < written.length; i++) {
            long page = i;
            calls.call("read " + page, () -> {
                byte[] data = client.read(page, timeout);
                if (!Arrays.equals(data, written[(int) page]) && !Arrays.equals(data, maybe[(int) page])) {
                    throw new IllegalStateException("read of page " + page + " returned other bytes than written");
                }
            });
        }
        for (int i = 0; i < written.length; i++) {
            long page = i;
            byte[] image = Stamps.image(written[i].length, page, Stamps.value(7, 1_000 + i));
            calls.call("write " + page, () -> {
                try {
                    client.write(page, image, timeout);
                    written[(int) page] = image;
                } catch (PageStoreException e) {
                    if (e.code() == ErrorCode.TIMEOUT) {
                        maybe[(int) page] = image;
                    }
                    throw e;
                }
            });
        }
    }

    /** Runs one call under the cell's rules. */
    interface CellCalls {
        void call(String what, Call call);
    }

    /** A client call. */
    interface Call {
        void run() throws PageStoreException;
    }
}

package dev.pagestore.manager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.ipc.ring.RequestDescriptor;
import dev.pagestore.wal.PageReplayer;
import dev.pagestore.wal.SimulatedFile;
import dev.pagestore.wal.SimulatedLogDirectory;
import dev.pagestore.wal.WalConfig;
import dev.pagestore.wal.WalSegmentDescriptor;
import dev.pagestore.wal.WriteAheadLog;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The reactor's hand-off to the WAL never waits for room in the log's ring, and loses and reorders nothing. */
class WalStageTest {
    private static final int PAGE = 4096;
    private static final int RING = 2;

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)  // a hand-off that waits never returns
    void shouldKeepWritesTheFullRingRefusedAndHandThemAllOnInOrderOnceThereIsRoom() throws Exception {
        WalConfig config = new WalConfig(1 << 20, PAGE, 8, RING, 64 << 10, 4096, 4096, 1);
        try (SimulatedLogDirectory directory = new SimulatedLogDirectory(
                        SimulatedLogDirectory.Settings.of(3, config.segmentSizeBytes()));
                WriteAheadLog wal = WriteAheadLog.open(directory, config, PageReplayer.NONE);
                StagingBuffers buffers = new StagingBuffers(PAGE, 8)) {
            WalStage stage = new WalStage(wal, new UnappliedWrites(), PAGE, 8);
            List<Op> ops = new ArrayList<>();
            for (int i = 0; i < 8 * RING; i++) {
                Op op = new Op(i);
                op.walCallback = stage.callbackFor(op);
                op.addMember(RequestDescriptor.OPCODE_WRITE, i, i, i, 1, 0);
                op.staging[0] = buffers.take(1);
                op.staging[0].segment.fill((byte) i);
                ops.add(op);
            }
            SimulatedFile segment = directory.file(WalSegmentDescriptor.fileName(0));
            // The controller holds the writer's next write unanswered, so the ring fills and stays full while the
            // stage is handed more writes than it holds.
            segment.holdNextWrite();
            try {
                for (Op op : ops) {
                    stage.append(op);
                }
                assertTrue(stage.hasWaiting(), "the ring of " + RING + " took all " + ops.size() + " writes");
                assertEquals(ops.size(), stage.pending());
                segment.awaitHeldWrite();
                assertEquals(0, stage.retryWaiting(), "still no room while the writer is stopped");
            } finally {
                segment.releaseHeld();
            }
            List<Op> done = new ArrayList<>();
            long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (done.size() < ops.size()) {
                assertTrue(System.nanoTime() < giveUp, done.size() + " of " + ops.size() + " writes came back");
                stage.retryWaiting();
                for (Op op = stage.takeDone(); op != null; op = op.nextDurable) {
                    done.add(op);
                }
                Thread.onSpinWait();
            }
            assertEquals(0, stage.pending());
            long lastLsn = -1;
            for (int i = 0; i < ops.size(); i++) {
                Op op = done.get(i);
                assertEquals(ops.get(i), op, "handed back in the order appended");
                assertNull(op.walFailure);
                assertTrue(op.lsn > lastLsn, "LSNs grow in append order");
                lastLsn = op.lsn;
            }
        }
    }
}

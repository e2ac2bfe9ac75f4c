package dev.pagestore.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.pagestore.nvme.sim.SimulatedNvmeDevice;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Power-loss simulation on {@link SimulatedLogDirectory} with the controllers' random write-back: for each seed,
 * several threads append single pages and atomic groups, a checkpoint may run, power is cut at a random moment (each
 * un-synced write lost, on the media whole, or torn at a 512-byte sector; un-synced sizes and directory entries lost),
 * the machine restarts, the log is recovered, and:
 * <ul>
 *   <li>every acknowledged record is back, at its LSN, with its exact content;</li>
 *   <li>every recovered record is one that was appended, whole (a group with all of its pages);</li>
 *   <li>every page's recovered image is at least as new as its newest acknowledged write.</li>
 * </ul>
 * Three crash cycles per seed, so recovery also covers logs that were recovered and appended to before. Per seed the
 * controllers take commands of 512 B, 4 KiB or 1 MiB: one write of a batch is one command, torn at a sector, or
 * several, each with its own fate. ({@link QueuePairPowerLossTest} cuts with the cache lost whole, small caches that
 * write back early, and cuts that land between a command's submission and its completion.)
 *
 * <p>100 seeds run in the suite. The long run (10,000 seeds, about ten minutes):
 * <pre>
 * ./mvnw -q -pl wal -am test -Dtest=PowerLossTest -Dsurefire.failIfNoSpecifiedTests=false -Dpagestore.wal.seeds=10000
 * </pre>
 * One seed: {@code -Dpagestore.wal.seed=<seed> -Dpagestore.wal.seeds=1}. The seed is in every failure message.
 */
class PowerLossTest {
    private static final int PAGES = 40;
    private static final int CYCLES = 3;

    private long writesLost;
    private long writesKept;
    private long writesTorn;

    @Test
    void shouldRecoverEveryAcknowledgedRecordAndNoPartialGroupAfterPowerLoss() throws Exception {
        int seeds = Integer.getInteger("pagestore.wal.seeds", 100);
        long firstSeed = Long.getLong("pagestore.wal.seed", 0x5EED_0000L);
        long started = System.nanoTime();
        for (int i = 0; i < seeds; i++) {
            long seed = firstSeed + i;
            try {
                runSeed(seed);
            } catch (AssertionError | Exception e) {
                throw new AssertionError("seed " + seed + " failed (rerun: -Dpagestore.wal.seed=" + seed
                        + " -Dpagestore.wal.seeds=1): " + e.getMessage(), e);
            }
        }
        System.out.printf("PowerLossTest: %d seeds x %d crashes in %.1f s: un-synced writes %d lost, %d kept, "
                + "%d torn%n", seeds, CYCLES, (System.nanoTime() - started) / 1e9, writesLost, writesKept, writesTorn);
        if (seeds >= 50) {
            assertTrue(writesLost > 0 && writesKept > 0 && writesTorn > 0, "the power cuts did not lose, keep and tear "
                    + "un-synced writes: " + writesLost + ", " + writesKept + ", " + writesTorn);
        }
    }

    private void runSeed(long seed) throws Exception {
        SplittableRandom random = new SplittableRandom(seed);
        WalConfig config = WalTestSupport.smallConfig(seed);
        int[] transfers = {512, 4096, 1 << 20};
        SimulatedLogDirectory firstLife = new SimulatedLogDirectory(SimulatedLogDirectory.Settings
                .of(seed, config.segmentSizeBytes())
                .withMaxTransferBytes(transfers[random.nextInt(transfers.length)])
                .withRandomWriteBack(true));
        try {
            runLives(seed, random, config, firstLife);
            for (SimulatedNvmeDevice device : firstLife.simulatedDevices()) {
                writesLost += device.media().writesLostToPowerFailure();
                writesKept += device.media().writesKeptAtPowerFailure();
                writesTorn += device.media().writesTornByPowerFailure();
            }
        } finally {
            firstLife.close(); // every life shares the devices
        }
    }

    private static void runLives(long seed, SplittableRandom random, WalConfig config, SimulatedLogDirectory firstLife)
            throws Exception {
        int pageSize = config.pageSizeBytes();
        SimulatedLogDirectory directory = firstLife;
        Map<Long, long[]> submitted = new ConcurrentHashMap<>();
        Map<Long, Long> acknowledged = new ConcurrentHashMap<>(); // record id -> lsn
        Map<Long, FlushedPage> dataFile = new HashMap<>();         // page -> image flushed by checkpoints or recovery
        AtomicLong ids = new AtomicLong();

        for (int cycle = 0; cycle <= CYCLES; cycle++) {
            String where = "seed " + seed + " cycle " + cycle + ": ";
            Map<Long, Long> seenAt = new HashMap<>();   // lsn -> record id, from the recovery scan
            Map<Long, FlushedPage> replayed = new HashMap<>();
            RecordVisitor visitor = (lsn, record) -> {
                int count = WalRecordDescriptor.pageCount(record, 0);
                long[] pages = new long[count];
                long id = WalTestSupport.recordIdOf(WalTestSupport.imageOf(record, 0));
                for (int p = 0; p < count; p++) {
                    pages[p] = WalRecordDescriptor.pageNumber(record, 0, p);
                    MemorySegment image = WalTestSupport.imageOf(record, p);
                    assertTrue(WalTestSupport.intact(image, pages[p]), where + "damaged image at lsn " + lsn);
                    assertEquals(id, WalTestSupport.recordIdOf(image), where + "record mixes images of two appends");
                }
                long[] expected = submitted.get(id);
                assertNotNull(expected, where + "record " + id + " at lsn " + lsn + " was never appended");
                assertTrue(Arrays.equals(expected, pages), where + "record " + id + " has pages "
                        + Arrays.toString(pages) + ", appended " + Arrays.toString(expected) + " (partial group)");
                assertTrue(!seenAt.containsValue(id), where + "record " + id + " recovered twice");
                seenAt.put(lsn, id);
            };
            PageReplayer replayer = (pageNumber, image, lsn) ->
                    replayed.put(pageNumber, new FlushedPage(lsn, WalTestSupport.recordIdOf(image)));

            long redo = WalTestSupport.redoLsnOrStart(directory, config);
            WalRecovery.recover(directory, config, redo, PageReplayer.NONE, visitor);
            for (Map.Entry<Long, Long> ack : acknowledged.entrySet()) {
                if (ack.getValue() >= redo) {
                    assertEquals(ack.getKey(), seenAt.get(ack.getValue()),
                            where + "acknowledged record " + ack.getKey() + " at lsn " + ack.getValue() + " lost");
                }
            }
            WriteAheadLog wal = WriteAheadLog.open(directory, config, replayer);
            dataFile.putAll(replayed);
            FlushedPage.checkAtLeastAsNewAsAcknowledged(where, submitted, acknowledged, dataFile);
            if (cycle == CYCLES) {
                wal.close();
                return;
            }

            // appenders
            int threads = 1 + random.nextInt(4);
            long cycleStartId = ids.get();
            RandomAppenders appenders = new RandomAppenders(threads, random, wal, config, PAGES, pageSize, ids,
                    submitted, acknowledged);
            AtomicInteger acks = appenders.acks();
            Map<Long, CompletableFuture<Long>> futures = appenders.futures();
            int target = 1 + random.nextInt(150);
            if (random.nextBoolean()) {
                awaitAcks(where, acks, random.nextInt(target));
                long firstIdOfCycle = cycleStartId;
                wal.checkpoint(upTo -> {
                    // every append of this cycle started so far; later ones get LSNs at or past upTo
                    long endId = ids.get();
                    for (long id = firstIdOfCycle; id < endId; id++) {
                        CompletableFuture<Long> future;
                        while ((future = futures.get(id)) == null) {
                            Thread.onSpinWait(); // its appender is between append() and recording the future
                        }
                        long lsn = future.join(); // power is on: every published append completes
                        if (lsn < upTo) {
                            for (long page : submitted.get(id)) {
                                FlushedPage old = dataFile.get(page);
                                if (old == null || old.lsn() < lsn) {
                                    dataFile.put(page, new FlushedPage(lsn, id));
                                }
                            }
                        }
                    }
                });
            }
            awaitAcks(where, acks, target);
            directory.powerFail();
            appenders.stopAndJoin(where);
            wal.close();
            directory = directory.reopen();
        }
    }

    private static void awaitAcks(String where, AtomicInteger acks, int target) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (acks.get() < target) {
            if (System.nanoTime() > deadline) {
                fail(where + "only " + acks.get() + " of " + target + " appends acknowledged in 30 s");
            }
            Thread.sleep(0, 200_000);
        }
    }
}

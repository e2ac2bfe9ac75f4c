package dev.pagestore.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Media damage: random bit flips inside records, truncated segment files and damaged segment headers are detected
 * and reported, and nothing at or after the damage is applied. Seeded; the seed is in every failure message.
 */
class CorruptionTest {
    private static final int TRIALS = Integer.getInteger("pagestore.wal.corruptionTrials", 150);

    private record Written(long lsn, int length, long id, long[] pages) {
    }

    private record Recovered(RecoveryReport report, Set<Long> recordLsns, Set<Long> appliedFromLsns) {
    }

    /** A log of single pages and groups, one commit each, so later records were written after earlier ones synced. */
    private static List<Written> buildLog(LogDirectory directory, WalConfig config, SplittableRandom random)
            throws IOException {
        List<Written> written = new ArrayList<>();
        try (WriteAheadLog wal = WriteAheadLog.open(directory, config, PageReplayer.NONE)) {
            for (long id = 0; id < 120; id++) {
                int count = random.nextInt(4) == 0 ? 2 + random.nextInt(config.maxPagesPerGroup() - 1) : 1;
                long[] pages = random.ints(0, 30).distinct().limit(count).asLongStream().toArray();
                MemorySegment[] images = new MemorySegment[count];
                for (int p = 0; p < count; p++) {
                    images[p] = MemorySegment.ofArray(new byte[config.pageSizeBytes()]);
                    WalTestSupport.fill(images[p], id, pages[p]);
                }
                long lsn = wal.appendGroup(pages, images).join();
                written.add(new Written(lsn, (int) WalRecordDescriptor.pageImagesLength(count,
                        config.pageSizeBytes()), id, pages));
            }
        }
        return written;
    }

    private static Recovered recover(LogDirectory directory, WalConfig config) throws IOException {
        Set<Long> records = new HashSet<>();
        Set<Long> applied = new HashSet<>();
        RecoveryReport report = WalRecovery.recover(directory, config, WalRecovery.redoLsn(directory, config),
                (page, image, lsn) -> {
                    assertTrue(WalTestSupport.intact(image, page));
                    applied.add(lsn);
                },
                (lsn, record) -> records.add(lsn));
        return new Recovered(report, records, applied);
    }

    /** The simulated controller as the log's disk, files as large as a segment. */
    private static SimulatedLogDirectory simulated(long seed, WalConfig config) {
        return new SimulatedLogDirectory(SimulatedLogDirectory.Settings.of(seed, config.segmentSizeBytes()));
    }

    @Test
    void shouldDetectRandomBitFlipsAndApplyNothingFromTheDamagedRecordOn() throws IOException {
        SplittableRandom seeds = new SplittableRandom(0xB17F_11FL);
        int corruption = 0;
        for (int trial = 0; trial < TRIALS; trial++) {
            long seed = seeds.nextLong();
            SplittableRandom random = new SplittableRandom(seed);
            WalConfig config = WalTestSupport.smallConfig(seed);
            List<Written> written;
            Written victim;
            long at;
            Recovered recovered;
            try (SimulatedLogDirectory directory = simulated(seed, config)) {
                written = buildLog(directory, config, random);
                victim = written.get(random.nextInt(written.size()));
                at = victim.lsn() + random.nextInt(victim.length());
                long segment = at / config.segmentSizeBytes();
                directory.file(WalSegmentDescriptor.fileName(segment))
                        .flipBit(at % config.segmentSizeBytes(), random.nextInt(8));
                recovered = recover(directory, config);
            }
            String where = "seed " + seed + ", flip at lsn " + at + " in record " + victim.lsn() + ": "
                    + recovered.report();
            for (Written w : written) {
                assertEquals(w.lsn() < victim.lsn(), recovered.recordLsns().contains(w.lsn()),
                        where + " / record at " + w.lsn());
            }
            assertTrue(recovered.appliedFromLsns().stream().allMatch(lsn -> lsn < victim.lsn()),
                    where + " applied a page from the damaged record or after it");
            boolean last = victim == written.getLast();
            assertEquals(last ? StopReason.TORN_TAIL : StopReason.CORRUPTION, recovered.report().stopReason(), where);
            assertEquals(victim.lsn(), recovered.report().endLsn(), where);
            if (!last) {
                corruption++;
            }
        }
        assertTrue(corruption > TRIALS / 2, "most flips hit a record that is not the last: " + corruption);
    }

    @Test
    void shouldReportATruncatedSegmentAsCorruption() throws IOException {
        SplittableRandom seeds = new SplittableRandom(0x7256_CA7EL);
        for (int trial = 0; trial < 40; trial++) {
            long seed = seeds.nextLong();
            SplittableRandom random = new SplittableRandom(seed);
            WalConfig config = WalTestSupport.smallConfig(seed);
            List<Written> written;
            long cutAt;
            Recovered recovered;
            try (SimulatedLogDirectory directory = simulated(seed, config)) {
                written = buildLog(directory, config, random);
                Written victim = written.get(random.nextInt(written.size()));
                cutAt = victim.lsn() + random.nextInt(victim.length()); // inside a record: it loses its tail
                long segment = cutAt / config.segmentSizeBytes();
                directory.file(WalSegmentDescriptor.fileName(segment)).cutShort(cutAt % config.segmentSizeBytes());
                recovered = recover(directory, config);
            }
            String where = "seed " + seed + ", truncated at lsn " + cutAt + ": " + recovered.report();
            assertEquals(StopReason.CORRUPTION, recovered.report().stopReason(), where);
            assertTrue(recovered.report().detail().contains("truncated"), where);
            for (Written w : written) {
                assertEquals(w.lsn() + w.length() <= cutAt, recovered.recordLsns().contains(w.lsn()),
                        where + " / record at " + w.lsn());
            }
        }
    }

    @Test
    void shouldReportADamagedSegmentHeaderAsCorruption() throws IOException {
        long seed = 42;
        WalConfig config = WalTestSupport.smallConfig(seed);
        try (SimulatedLogDirectory directory = simulated(seed, config)) {
            List<Written> written = buildLog(directory, config, new SplittableRandom(seed));
            directory.file(WalSegmentDescriptor.fileName(1)).flipBit(WalSegmentDescriptor.SALT_OFFSET, 2);
            Recovered recovered = recover(directory, config);
            assertEquals(StopReason.CORRUPTION, recovered.report().stopReason(), recovered.report().toString());
            assertTrue(recovered.report().detail().contains("header"), recovered.report().detail());
            for (Written w : written) {
                assertEquals(w.lsn() < config.segmentSizeBytes(), recovered.recordLsns().contains(w.lsn()));
            }
        }
    }

    @Test
    void shouldReportAMissingSegmentFollowedByLaterOnesAsCorruption() throws IOException {
        long seed = 44;
        WalConfig config = WalTestSupport.smallConfig(seed);
        try (SimulatedLogDirectory directory = simulated(seed, config)) {
            List<Written> written = buildLog(directory, config, new SplittableRandom(seed));
            assertTrue(written.getLast().lsn() >= 2 * config.segmentSizeBytes(), "the log spans three segments");
            directory.delete(WalSegmentDescriptor.fileName(1));
            Recovered recovered = recover(directory, config);
            assertEquals(StopReason.CORRUPTION, recovered.report().stopReason(), recovered.report().toString());
            assertTrue(recovered.report().detail().contains("later segments"), recovered.report().detail());
            for (Written w : written) {
                assertEquals(w.lsn() < config.segmentSizeBytes(), recovered.recordLsns().contains(w.lsn()));
            }
        }
    }

    @Test
    void shouldEraseTheDamagedTailWhenAppendingResumes() throws IOException {
        long seed = 43;
        WalConfig config = WalTestSupport.smallConfig(seed);
        try (SimulatedLogDirectory directory = simulated(seed, config)) {
            List<Written> written = buildLog(directory, config, new SplittableRandom(seed));
            Written victim = written.get(written.size() - 10);
            directory.file(WalSegmentDescriptor.fileName(victim.lsn() / config.segmentSizeBytes()))
                    .flipBit(victim.lsn() % config.segmentSizeBytes() + WalRecordDescriptor.HEADER_LENGTH, 0);
            long resumed;
            try (WriteAheadLog wal = WriteAheadLog.open(directory, config, PageReplayer.NONE)) {
                assertEquals(StopReason.CORRUPTION, wal.recoveryReport().stopReason());
                MemorySegment image = MemorySegment.ofArray(new byte[config.pageSizeBytes()]);
                WalTestSupport.fill(image, 1000, 5);
                resumed = wal.append(5, image).join();
                assertEquals(victim.lsn(), resumed, "appending continues at the damaged record");
            }
            Recovered recovered = recover(directory, config);
            assertEquals(StopReason.END_OF_LOG, recovered.report().stopReason(), recovered.report().toString());
            assertTrue(recovered.recordLsns().contains(resumed));
            assertEquals(written.size() - 10 + 1, recovered.recordLsns().size());
        }
    }

    @Test
    void shouldRefuseACorruptLogBeforeApplyingOrChangingAnythingWhenAskedTo() throws IOException {
        long seed = 45;
        WalConfig config = WalTestSupport.smallConfig(seed);
        try (SimulatedLogDirectory directory = simulated(seed, config)) {
            List<Written> written = buildLog(directory, config, new SplittableRandom(seed));
            Written victim = written.get(3); // many valid records written after it was durable: CORRUPTION
            String name = WalSegmentDescriptor.fileName(victim.lsn() / config.segmentSizeBytes());
            directory.file(name).flipBit(victim.lsn() % config.segmentSizeBytes() + 60, 1);
            directory.open("0000000000000009.wal.tmp", true).close(); // evidence a lenient open would delete
            byte[] before = WalTestSupport.readAll(directory, name);
            List<Long> applied = new ArrayList<>();

            WalCorruptionException refused = org.junit.jupiter.api.Assertions.assertThrows(
                    WalCorruptionException.class, () -> WriteAheadLog.open(directory, config,
                            (page, image, lsn) -> applied.add(page), WalOpenOptions.lenient().withRefuseCorruption(true)));
            assertEquals(StopReason.CORRUPTION, refused.report().stopReason(), refused.report().toString());
            assertEquals(victim.lsn(), refused.report().endLsn());
            assertTrue(applied.isEmpty(), "no page applied before refusing: " + applied);
            assertTrue(java.util.Arrays.equals(before, WalTestSupport.readAll(directory, name)),
                    "the damaged segment is as it was");
            assertTrue(directory.list().contains("0000000000000009.wal.tmp"), "no file deleted: " + directory.list());

            try (WriteAheadLog wal = WriteAheadLog.open(directory, config, (page, image, lsn) -> applied.add(page))) {
                assertEquals(StopReason.CORRUPTION, wal.recoveryReport().stopReason(), "lenient: reported, and on");
                assertTrue(!applied.isEmpty());
                assertTrue(!java.util.Arrays.equals(before, WalTestSupport.readAll(directory, name)),
                        "the lenient open erased the tail");
            }
        }
    }
}

package dev.pagestore.wal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.ipc.testing.ChildJvm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Real {@code kill -9}: a child JVM ({@link WalKillChild}) appends to real files under {@code wal/target} through
 * {@link IoUringLogDirectory} (the WAL writer thread writing and {@code fdatasync}ing through an io_uring queue pair
 * it owns; {@link FileLogDirectory} with one printed line where io_uring is unavailable) and prints every acknowledged record; the parent kills it at a random moment 100-500 ms after
 * it is ready, recovers the log through the same kind of directory, and checks that every acknowledged record is present, at its LSN, intact, and that
 * every recovered record is whole. The next child recovers the same log and appends after it, so every kill also
 * tests resuming after a crash. A fresh log every 25 kills keeps the scan short. Each child JVM is started while
 * the previous one runs and receives its work on stdin, so JVM start-up does not add to every kill.
 *
 * <p>{@code -Dpagestore.wal.kill.directory=file} runs the same test through {@link FileLogDirectory}, and
 * {@code =portable} through {@link PortableLogDirectory} (the manager's default WAL I/O). 12 kills in the
 * suite; the long run (1,000 kills, about half an hour on a loaded 2-core machine):
 * <pre>
 * ./mvnw -q -pl wal -am test -Dtest=KillNineTest -Dsurefire.failIfNoSpecifiedTests=false -Dpagestore.wal.kills=1000
 * </pre>
 */
class KillNineTest {
    private static final int PAGE_SIZE = 4096;
    private static final long SEGMENT_SIZE = 1L << 20;
    private static final int KILLS_PER_LOG = 25;

    /** Child JVMs started ahead, so their start-up (seconds on a loaded 2-core box) overlaps earlier kills. */
    private static final int PRESTARTED = 2;

    private static ChildJvm startChild() throws IOException {
        // C1 only and the serial collector: a child lives for half a second, start-up cost is what matters
        return ChildJvm.start(WalKillChild.class, java.util.List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-Dpagestore.wal.kill.directory=" + System.getProperty("pagestore.wal.kill.directory", "uring")));
    }

    /** The directory both the child and the parent use: io_uring where this kernel has it ({@link LogDirectories}). */
    static LogDirectory logDirectory(Path directory) throws IOException {
        return LogDirectories.open(directory, KIND);
    }

    /**
     * io_uring where available, unless {@code -Dpagestore.wal.kill.directory=file} or {@code =portable} asks for
     * another directory.
     */
    static final LogDirectories.Kind KIND = switch (System.getProperty("pagestore.wal.kill.directory", "uring")) {
        case "file" -> LogDirectories.Kind.FILE;
        case "portable" -> LogDirectories.Kind.PORTABLE;
        default -> dev.pagestore.ipc.linux.IoUringProbe.run().available() ? LogDirectories.Kind.IO_URING
                : LogDirectories.Kind.FILE;
    };
    static final boolean IO_URING = KIND == LogDirectories.Kind.IO_URING;

    static WalConfig config(int pageSize, long segmentSize) {
        return WalConfig.defaults(pageSize).withSegmentSizeBytes(segmentSize).withMaxPagesPerGroup(8)
                .withStagingBufferBytes(1 << 20);
    }

    @Test
    void shouldRecoverEveryAcknowledgedRecordAfterKillNine() throws Exception {
        int kills = Integer.getInteger("pagestore.wal.kills", 12);
        long seed = Long.getLong("pagestore.wal.seed", 0x4B11L);
        SplittableRandom random = new SplittableRandom(seed);
        WalConfig config = config(PAGE_SIZE, SEGMENT_SIZE);
        Path root = Path.of("target", "kill9-" + ProcessHandle.current().pid()).toAbsolutePath();
        Map<Long, Long> acknowledged = new HashMap<>(); // id -> lsn, for the current log
        Map<Long, long[]> pagesOf = new HashMap<>();
        Path directory = null;
        long totalAcks = 0;
        if (!IO_URING) {
            System.out.println("KillNineTest: appending through " + KIND + " ("
                    + (System.getProperty("pagestore.wal.kill.directory") != null ? "asked for"
                    : "io_uring unavailable: " + dev.pagestore.ipc.linux.IoUringProbe.run().unavailableReason()) + ")");
        }
        String expectedDirectory = switch (KIND) {
            case IO_URING -> "IoUringLogDirectory";
            case PORTABLE -> "PortableLogDirectory";
            case FILE -> "FileLogDirectory";
        };
        java.util.ArrayDeque<ChildJvm> started = new java.util.ArrayDeque<>();
        for (int i = 0; i < Math.min(PRESTARTED, kills); i++) {
            started.add(startChild());
        }
        for (int kill = 0; kill < kills; kill++) {
            if (kill % KILLS_PER_LOG == 0) {
                directory = root.resolve("log-" + kill);
                Files.createDirectories(directory);
                acknowledged.clear();
                pagesOf.clear();
            }
            String where = "seed " + seed + " kill " + kill + " in " + directory + ": ";
            long firstId = kill * 100_000_000L;
            long readyMillis;
            String readyLine;
            try (ChildJvm child = started.poll()) {
                child.send(directory + " " + PAGE_SIZE + " " + SEGMENT_SIZE + " " + (1 + random.nextInt(8)) + " "
                        + firstId + " " + random.nextLong());
                long t0 = System.nanoTime();
                String ready = child.awaitLineStartingWith("READY", Duration.ofSeconds(120));
                readyMillis = (System.nanoTime() - t0) / 1_000_000;
                readyLine = ready;
                assertTrue(!ready.contains("CORRUPTION"), where + "child recovered " + ready);
                assertTrue(ready.contains("via=" + expectedDirectory), where + "child appends through " + ready);
                // a later child's JVM starts while this one appends
                if (kill + PRESTARTED < kills) {
                    started.add(startChild());
                }
                Thread.sleep(100 + random.nextInt(400));
                child.kill9();
                while (true) { // drain what the child printed before it died
                    String line;
                    try {
                        line = child.awaitLine(Duration.ofMillis(100));
                    } catch (AssertionError drained) {
                        break;
                    }
                    String[] parts = line.split(" ");
                    if (parts.length == 4 && parts[0].equals("ACK")) {
                        long id = Long.parseLong(parts[1]);
                        acknowledged.put(id, Long.parseLong(parts[2]));
                        pagesOf.put(id, Arrays.stream(parts[3].split(",")).mapToLong(Long::parseLong).toArray());
                        totalAcks++;
                    }
                }
            }
            long t2 = System.nanoTime();
            verify(where, logDirectory(directory), config, acknowledged, pagesOf);
            System.out.printf("kill %d: ready %d ms (%s), verify %d ms%n", kill, readyMillis, readyLine,
                    (System.nanoTime() - t2) / 1_000_000);
        }
        System.out.println("KillNineTest: " + kills + " kills, " + totalAcks + " acknowledged records verified");
        if (Boolean.parseBoolean(System.getProperty("pagestore.wal.keepKillLogs", "false"))) {
            return;
        }
        try (Stream<Path> files = Files.walk(root)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static void verify(String where, LogDirectory directory, WalConfig config, Map<Long, Long> acknowledged,
                               Map<Long, long[]> pagesOf) throws IOException {
        Map<Long, Long> idAt = new HashMap<>();
        RecoveryReport report = WalRecovery.recover(directory, config, WalRecovery.redoLsn(directory, config),
                PageReplayer.NONE, (lsn, record) -> {
                    int count = WalRecordDescriptor.pageCount(record, 0);
                    long id = WalTestSupport.recordIdOf(WalTestSupport.imageOf(record, 0));
                    long[] pages = new long[count];
                    for (int p = 0; p < count; p++) {
                        pages[p] = WalRecordDescriptor.pageNumber(record, 0, p);
                        assertTrue(WalTestSupport.intact(WalTestSupport.imageOf(record, p), pages[p]),
                                where + "damaged page in record at lsn " + lsn);
                        assertEquals(id, WalTestSupport.recordIdOf(WalTestSupport.imageOf(record, p)),
                                where + "record at lsn " + lsn + " mixes appends");
                    }
                    long[] expected = pagesOf.get(id);
                    if (expected != null) {
                        assertArrayEquals(expected, pages, where + "record " + id + " is not whole");
                    }
                    idAt.put(lsn, id);
                });
        assertTrue(report.stopReason() != StopReason.CORRUPTION, where + report);
        for (Map.Entry<Long, Long> ack : acknowledged.entrySet()) {
            Long found = idAt.get(ack.getValue());
            assertNotNull(found, where + "acknowledged record " + ack.getKey() + " at lsn " + ack.getValue()
                    + " is missing; " + report);
            assertEquals(ack.getKey(), found, where + "lsn " + ack.getValue() + " holds another record");
        }
    }
}

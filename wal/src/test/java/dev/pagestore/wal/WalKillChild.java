package dev.pagestore.wal;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

/**
 * Child JVM of {@link KillNineTest}: opens (and so recovers) the WAL named on its first stdin line on real files
 * (through {@link KillNineTest#logDirectory}: io_uring where available), then appends
 * from several threads until it is killed, printing {@code ACK <id> <lsn> <page,page,...>} for each acknowledged
 * (durable) record. That line: directory, page size, segment size, appender threads, first record id, seed.
 */
public final class WalKillChild {
    private WalKillChild() {
    }

    public static void main(String[] ignored) throws Exception {
        // started ahead of time (JVM start-up overlaps the previous child's run); the work arrives on stdin
        if (KillNineTest.IO_URING) {
            warmUpIoUring(); // class loading and FFM linking of the io_uring path, also while the previous child runs
        }
        String go = new java.io.BufferedReader(new java.io.InputStreamReader(System.in)).readLine();
        if (go == null) {
            System.exit(0); // the parent no longer needs this child
        }
        String[] args = go.split(" ");
        Path directory = Path.of(args[0]);
        int pageSize = Integer.parseInt(args[1]);
        long segmentSize = Long.parseLong(args[2]);
        int threads = Integer.parseInt(args[3]);
        long firstId = Long.parseLong(args[4]);
        long seed = Long.parseLong(args[5]);
        long openStarted = System.nanoTime();
        WalConfig config = KillNineTest.config(pageSize, segmentSize);
        LogDirectory logDirectory = KillNineTest.logDirectory(directory);
        WriteAheadLog wal = WriteAheadLog.open(logDirectory, config, PageReplayer.NONE);
        System.out.println("READY " + wal.recoveryReport().stopReason() + " " + wal.recoveryReport().endLsn() + " openMillis="
                + (System.nanoTime() - openStarted) / 1_000_000 + " via=" + logDirectory.getClass().getSimpleName());
        AtomicLong ids = new AtomicLong(firstId);
        SplittableRandom root = new SplittableRandom(seed);
        for (int t = 0; t < threads; t++) {
            SplittableRandom random = root.split();
            Thread.ofPlatform().start(() -> {
                while (true) {
                    int count = random.nextInt(4) == 0 ? 2 + random.nextInt(config.maxPagesPerGroup() - 1) : 1;
                    long id = ids.getAndIncrement();
                    long[] pages = random.ints(0, 256).distinct().limit(count).asLongStream().toArray();
                    MemorySegment[] images = new MemorySegment[count];
                    for (int p = 0; p < count; p++) {
                        images[p] = MemorySegment.ofArray(new byte[pageSize]);
                        WalTestSupport.fill(images[p], id, pages[p]);
                    }
                    long lsn = wal.appendGroup(pages, images).join();
                    System.out.println("ACK " + id + " " + lsn + " "
                            + LongStream.of(pages).mapToObj(Long::toString).collect(Collectors.joining(",")));
                }
            });
        }
        Thread.sleep(120_000); // the parent kills us long before
        System.exit(3);
    }

    /** One file written, fdatasync'ed and read through {@link IoUringLogDirectory} in a scratch directory. */
    private static void warmUpIoUring() throws java.io.IOException {
        Path scratch = java.nio.file.Files.createTempDirectory("walkill-warmup");
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            LogDirectory directory = KillNineTest.logDirectory(scratch);
            try (LogDevice device = directory.open("warm-up", true)) {
                MemorySegment block = arena.allocate(4096, 4096);
                device.preallocate(1 << 16);
                device.write(0, block);
                device.datasync();
                device.read(0, block);
            }
            directory.delete("warm-up");
        } finally {
            java.nio.file.Files.deleteIfExists(scratch);
        }
    }
}

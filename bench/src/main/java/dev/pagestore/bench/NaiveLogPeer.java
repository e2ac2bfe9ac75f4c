package dev.pagestore.bench;

import dev.pagestore.wal.FileLogDevice;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import org.HdrHistogram.Histogram;

/** WalBench's naive peer: one thread, one {@code pwrite} and one {@code fdatasync} per record, no group commit. */
final class NaiveLogPeer {
    private NaiveLogPeer() {
    }

    static AppendResult run(Path root, int pageSize, int seconds) throws IOException {
        Path file = root.resolve("naive.dat");
        Files.deleteIfExists(file);
        Histogram histogram = new Histogram(3_600_000_000L, 3);
        try (FileLogDevice device = FileLogDevice.open(file, true); Arena arena = Arena.ofConfined()) {
            MemorySegment record = arena.allocate(pageSize, 4096);
            record.fill((byte) 7);
            long offset = 0;
            long warmEnd = System.nanoTime() + 1_000_000_000L;
            while (System.nanoTime() < warmEnd) {
                device.write(offset, record);
                device.datasync();
                offset += pageSize;
            }
            long count = 0;
            long started = System.nanoTime();
            long end = started + seconds * 1_000_000_000L;
            long now = started;
            while (now < end) {
                device.write(offset, record);
                device.datasync();
                offset += pageSize;
                long after = System.nanoTime();
                histogram.recordValue((after - now) / 1000);
                now = after;
                count++;
            }
            return new AppendResult(count / ((now - started) / 1e9), histogram.getValueAtPercentile(50),
                    histogram.getValueAtPercentile(99), histogram.getValueAtPercentile(99.9),
                    histogram.getMaxValue(), 1, CommitTime.NONE);
        } finally {
            Files.deleteIfExists(file);
        }
    }
}

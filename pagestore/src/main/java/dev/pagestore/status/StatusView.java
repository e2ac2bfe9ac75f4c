package dev.pagestore.status;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.pagestore.ipc.linux.SharedMemoryRegion;
import dev.pagestore.ipc.memory.OrderedAccess;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A read-only mapping of a manager's status region ({@link StatusRegionDescriptor}): what workers, their page caches
 * and {@code pagestore stat} read. Every read is an acquire load of a word one manager thread writes.
 *
 * <p>Thread safety: any thread may read; {@link #close()} once, after every reader.
 */
public final class StatusView implements PageVersions, AutoCloseable {
    private final Path path;
    private final Arena arena;
    private final MemorySegment segment;
    private final int bucketCount;
    private final long tableOffset;

    private StatusView(Path path, Arena arena, MemorySegment segment) {
        this.path = path;
        this.arena = arena;
        this.segment = segment;
        this.bucketCount = segment.get(JAVA_INT, StatusRegionDescriptor.VERSION_BUCKET_COUNT_OFFSET);
        this.tableOffset = StatusRegionDescriptor.versionTableOffset();
    }

    /** Maps the status region of the data directory {@code directory} read-only, after checking its header. */
    public static StatusView open(Path directory) throws IOException {
        Path real = directory.toRealPath();
        return openRegion(SharedMemoryRegion.SHM_ROOT.resolve(StatusRegionDescriptor.regionName(real)));
    }

    /** Maps the region file {@code path} read-only. */
    public static StatusView openRegion(Path path) throws IOException {
        Arena arena = Arena.ofShared();
        boolean success = false;
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            MemorySegment segment = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
            String problem = StatusRegionDescriptor.checkHeader(segment);
            if (problem != null) {
                throw new IOException(path + ": " + problem);
            }
            StatusView view = new StatusView(path, arena, segment);
            success = true;
            return view;
        } finally {
            if (!success) {
                arena.close();
            }
        }
    }

    @Override
    public long version(long pageNumber) {
        int bucket = StatusRegionDescriptor.bucketOf(pageNumber, bucketCount);
        return OrderedAccess.getLongAcquire(segment, tableOffset + (long) bucket * Long.BYTES);
    }

    @Override
    public long epoch() {
        return segment.get(JAVA_LONG, StatusRegionDescriptor.EPOCH_OFFSET);
    }

    public int state() {
        return OrderedAccess.getIntAcquire(segment, StatusRegionDescriptor.STATE_OFFSET);
    }

    public long managerPid() {
        return segment.get(JAVA_LONG, StatusRegionDescriptor.MANAGER_PID_OFFSET);
    }

    public int pageSizeBytes() {
        return segment.get(JAVA_INT, StatusRegionDescriptor.PAGE_SIZE_OFFSET);
    }

    public long capacityPages() {
        return segment.get(JAVA_LONG, StatusRegionDescriptor.CAPACITY_PAGES_OFFSET);
    }

    public int reactorCount() {
        return segment.get(JAVA_INT, StatusRegionDescriptor.REACTOR_COUNT_OFFSET);
    }

    /** A global counter, {@code field} one of {@link StatusRegionDescriptor}'s global field offsets. */
    public long global(long field) {
        return OrderedAccess.getLongAcquire(segment, StatusRegionDescriptor.GLOBAL_OFFSET + field);
    }

    /** A counter of reactor {@code reactor}, {@code field} one of the reactor field offsets. */
    public long reactor(int reactor, long field) {
        return OrderedAccess.getLongAcquire(segment, StatusRegionDescriptor.reactorOffset(reactor) + field);
    }

    /** Latency histogram bucket {@code bucket} of reactor {@code reactor}. */
    public long histogram(int reactor, int bucket) {
        return reactor(reactor, StatusRegionDescriptor.HISTOGRAM_OFFSET + (long) bucket * Long.BYTES);
    }

    /** Sum of a reactor field over all reactors. */
    public long sumReactors(long field) {
        long sum = 0;
        for (int r = 0; r < reactorCount(); r++) {
            sum += reactor(r, field);
        }
        return sum;
    }

    /**
     * The latency below which a fraction {@code quantile} of requests finished, over all reactors since the manager
     * started, as the upper bound of its log2 histogram bucket (so within a factor of 2); 0 when nothing was counted.
     */
    public long latencyPercentileNanos(double quantile) {
        if (!(quantile > 0 && quantile <= 1)) {
            throw new IllegalArgumentException("quantile=" + quantile + " must be in (0, 1]");
        }
        long[] counts = new long[StatusRegionDescriptor.HISTOGRAM_BUCKETS];
        long total = 0;
        for (int r = 0; r < reactorCount(); r++) {
            for (int b = 0; b < counts.length; b++) {
                long count = histogram(r, b);
                counts[b] += count;
                total += count;
            }
        }
        if (total == 0) {
            return 0;
        }
        long rank = (long) Math.ceil(quantile * total);
        long seen = 0;
        for (int b = 0; b < counts.length; b++) {
            seen += counts[b];
            if (seen >= rank) {
                return b >= 62 ? Long.MAX_VALUE : 1L << (b + 1);
            }
        }
        return Long.MAX_VALUE;
    }

    public Path path() {
        return path;
    }

    @Override
    public void close() {
        if (segment.scope().isAlive()) {
            arena.close();
        }
    }
}

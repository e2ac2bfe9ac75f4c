package dev.pagestore.status;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.pagestore.ipc.control.ControlObserver;
import dev.pagestore.ipc.linux.MemfdRegion;
import dev.pagestore.ipc.memory.OrderedAccess;
import dev.pagestore.protocol.PageStoreProtocol;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A read-only mapping of a manager's status region ({@link StatusRegionDescriptor}): what workers, their page caches
 * and {@code pagestore stat} read. Every read is an acquire load of a word one manager thread writes.
 *
 * <p>The region has no name: a worker maps the descriptor that came with its ATTACHED ({@link #map}), a tool asks the
 * manager over the control socket ({@link #observe}). Either way the memfd must carry
 * {@link MemfdRegion#READ_ONLY_SEALS} (nobody can write or resize it but the manager) and is mapped
 * {@code PROT_READ}; the descriptor is closed once mapped.
 *
 * <p>Thread safety: any thread may read; {@link #close()} once, after every reader.
 */
public final class StatusView implements PageVersions, AutoCloseable {
    /** How long {@link #observe} waits for the manager's answer. */
    private static final Duration OBSERVE_TIMEOUT = Duration.ofSeconds(5);

    private final MemfdRegion region;
    private final ControlObserver observer;
    private final MemorySegment segment;
    private final int bucketCount;
    private final long tableOffset;

    private StatusView(MemfdRegion region, ControlObserver observer) {
        this.region = region;
        this.observer = observer;
        this.segment = region.segment();
        this.bucketCount = segment.get(JAVA_INT, StatusRegionDescriptor.VERSION_BUCKET_COUNT_OFFSET);
        this.tableOffset = StatusRegionDescriptor.versionTableOffset();
    }

    /**
     * Maps the status region memfd {@code descriptor} (received from the manager) read-only, after checking its seals
     * and header. Takes ownership of the descriptor: it is closed before this returns or throws.
     */
    public static StatusView map(int descriptor) throws IOException {
        return map(descriptor, null);
    }

    private static StatusView map(int descriptor, ControlObserver observer) throws IOException {
        MemfdRegion region = MemfdRegion.map(descriptor, "status region", MemfdRegion.READ_ONLY_SEALS, false);
        boolean success = false;
        try {
            String problem = StatusRegionDescriptor.checkHeader(region.segment());
            if (problem != null) {
                throw new IOException(problem);
            }
            StatusView view = new StatusView(region, observer);
            success = true;
            return view;
        } finally {
            if (!success) {
                region.close();
            }
        }
    }

    /**
     * Asks the manager of data directory {@code directory} for its status region over its control socket
     * (OBSERVE) and maps it read-only. The observer connection stays open until {@link #close()}.
     *
     * @throws IOException when no manager runs there (nothing listens on {@code DIR/manager.sock}) or it refuses
     */
    public static StatusView observe(Path directory) throws IOException {
        ControlObserver observer = ControlObserver.observe(PageStoreProtocol.socketPath(directory),
                "observer-" + ProcessHandle.current().pid(), OBSERVE_TIMEOUT);
        boolean success = false;
        try {
            StatusView view = map(observer.takeStatusDescriptor(), observer);
            success = true;
            return view;
        } finally {
            if (!success) {
                observer.close();
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

    /** The manager's start time in clock ticks since boot: with its pid, which process it is. */
    public long managerStartTicks() {
        return segment.get(JAVA_LONG, StatusRegionDescriptor.MANAGER_START_TICKS_OFFSET);
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

    /** Buckets of the page-version table: pages share a version when they hash to one bucket. */
    public int versionBucketCount() {
        return bucketCount;
    }

    /** Latency histogram bucket {@code bucket} of reactor {@code reactor}, reads and writes together. */
    public long histogram(int reactor, int bucket) {
        return readHistogram(reactor, bucket) + writeHistogram(reactor, bucket);
    }

    /** Read latency histogram bucket {@code bucket} of reactor {@code reactor}. */
    public long readHistogram(int reactor, int bucket) {
        return reactor(reactor, StatusRegionDescriptor.READ_HISTOGRAM_OFFSET + (long) bucket * Long.BYTES);
    }

    /** Write latency histogram bucket {@code bucket} of reactor {@code reactor}. */
    public long writeHistogram(int reactor, int bucket) {
        return reactor(reactor, StatusRegionDescriptor.WRITE_HISTOGRAM_OFFSET + (long) bucket * Long.BYTES);
    }

    /** Field {@code field} of channel row {@code row}, one of the descriptor's {@code ROW_} offsets. */
    public long channelRow(int row, long field) {
        return OrderedAccess.getLongAcquire(segment, StatusRegionDescriptor.channelRowOffset(row) + field);
    }

    /** The client name in channel row {@code row}: its bytes up to the first zero, all but printable ASCII as ?. */
    public String channelRowName(int row) {
        long base = StatusRegionDescriptor.channelRowOffset(row) + StatusRegionDescriptor.ROW_CLIENT_NAME;
        StringBuilder name = new StringBuilder(StatusRegionDescriptor.ROW_CLIENT_NAME_BYTES);
        for (int i = 0; i < StatusRegionDescriptor.ROW_CLIENT_NAME_BYTES; i++) {
            byte b = segment.get(JAVA_BYTE, base + i);
            if (b == 0) {
                break;
            }
            name.append(b >= 0x20 && b < 0x7f ? (char) b : '?');
        }
        return name.toString();
    }

    /** Unmaps, and hangs up the observer connection if this view came from {@link #observe}. Idempotent. */
    @Override
    public void close() {
        region.close();
        if (observer != null) {
            observer.close();
        }
    }
}

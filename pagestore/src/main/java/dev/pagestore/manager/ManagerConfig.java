package dev.pagestore.manager;

import dev.pagestore.replication.ReplicationConfig;
import dev.pagestore.wal.WalRecordDescriptor;
import dev.pagestore.wal.WalSegmentDescriptor;
import java.nio.file.Path;
import java.util.Objects;

/**
 * How a {@link PageStoreManager} runs. Checked on construction, with messages naming the value.
 *
 * @param directory           the data directory (created owner-only when missing); owned exclusively by one manager
 * @param pageSizeBytes       4096, 8192 or 16384
 * @param capacityPages       pages in the store, at most {@link #CAPACITY_BYTES_MAX} bytes; the data file is created
 *                            sparse at this size, and an existing store grows to it (never shrinks)
 * @param reactorCount        reactor threads, each owning one queue pair, in [1, 64]
 * @param queueDepth          commands per queue pair, in [1, 4096]
 * @param backend             which {@link DeviceFactory} opens the data file
 * @param pin                 pin reactors with OpenHFT Affinity when there are more than reactors + 2 CPUs
 * @param ringCapacity        entries per worker ring and slots per worker channel (power of two, 16..65536)
 * @param versionBucketCount  buckets of the page-version table (power of two)
 * @param checkpointIntervalMillis time between periodic checkpoints (0: only at shutdown)
 * @param walIo               which {@link WalDirectoryFactory} opens the WAL's directory, that is how its files move
 *                            their data ({@link WalDirectoryFactory#named}: {@code auto}, {@code io_uring},
 *                            {@code portable}, {@code file})
 * @param createStore         whether a start may create a new store where {@code directory} holds none (it must then
 *                            be missing or empty); false refuses such a start without creating anything. True in
 *                            {@link #defaults}: a program that names its own directory means it. The command line
 *                            ({@code pagestore manager}) asks for {@code --create}, so that an operator's mistyped
 *                            path or an unmounted volume's empty mount point is refused instead of served as a new,
 *                            empty store
 * @param walSegmentSizeBytes the size of each WAL segment file of a new store: whole MiB, at most 1 GiB, at least
 *                            {@link #walSegmentSizeMin}; an existing store keeps the size its log was made with,
 *                            which its control file records
 * @param replication         where the WAL is replicated (BookKeeper), or null: the local log alone. A replicated
 *                            store is made with it and keeps it
 * @param stopWaitMillis      how long a stopping manager waits for requests already in progress (on the device or in
 *                            the log) before it stops without them; their workers then hear MANAGER_GONE, and what
 *                            the log holds is recovered at the next start
 */
public record ManagerConfig(Path directory, int pageSizeBytes, long capacityPages, int reactorCount, int queueDepth,
        DeviceFactory backend, boolean pin, int ringCapacity, int versionBucketCount, long checkpointIntervalMillis,
        WalDirectoryFactory walIo, boolean createStore, long walSegmentSizeBytes, ReplicationConfig replication,
        long stopWaitMillis) {

    public static final int DEFAULT_PAGE_SIZE = 4096;
    public static final long DEFAULT_CAPACITY_PAGES = 262_144;  // 1 GiB of 4 KiB pages
    public static final int DEFAULT_QUEUE_DEPTH = 64;
    public static final int DEFAULT_RING_CAPACITY = 64;
    public static final long DEFAULT_WAL_SEGMENT_SIZE_BYTES = 64L << 20;
    public static final long DEFAULT_STOP_WAIT_MILLIS = 10_000;
    /** An hour: a stop that waits longer is a hang, and a service manager would have killed the process by then. */
    public static final long STOP_WAIT_MILLIS_MAX = 3_600_000;
    /** A WAL segment's size is a whole number of these (MiB), at most {@link #WAL_SEGMENT_SIZE_MAX} bytes. */
    public static final long WAL_SEGMENT_SIZE_UNIT = 1L << 20;
    public static final long WAL_SEGMENT_SIZE_MAX = 1L << 30;
    /** The version table's size unless told otherwise: {@link #versionBucketsFor} the store's capacity. */
    public static final int VERSION_BUCKETS_FOLLOW_CAPACITY = 0;
    static final int VERSION_BUCKETS_MIN = 1 << 16;
    /** 32 MiB of versions, mapped by every worker (touched only where its pages hash). */
    static final int VERSION_BUCKETS_MAX = 1 << 22;
    /** Pages per version bucket the default aims at (a write to one invalidates the cached copies of all). */
    static final int PAGES_PER_VERSION_BUCKET = 16;
    /**
     * The largest store, 1 PiB: far beyond any one data file this layer is meant for (ext4 stops at 16 TiB), and far
     * from where {@code capacityPages x pageSizeBytes} and page offsets overflow a {@code long}.
     */
    public static final long CAPACITY_BYTES_MAX = 1L << 50;

    public ManagerConfig {
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(backend, "backend");
        if (pageSizeBytes != 4096 && pageSizeBytes != 8192 && pageSizeBytes != 16384) {
            throw new IllegalArgumentException("pageSizeBytes=" + pageSizeBytes + " must be 4096, 8192 or 16384");
        }
        if (capacityPages < 1) {
            throw new IllegalArgumentException("capacityPages=" + capacityPages + " must be at least 1");
        }
        if (capacityPages > CAPACITY_BYTES_MAX / pageSizeBytes) {
            throw new IllegalArgumentException("capacityPages=" + capacityPages + " of " + pageSizeBytes
                    + " bytes is more than the largest store, " + CAPACITY_BYTES_MAX / pageSizeBytes + " pages ("
                    + CAPACITY_BYTES_MAX + " bytes, 1 PiB)");
        }
        if (reactorCount < 1 || reactorCount > 64) {
            throw new IllegalArgumentException("reactorCount=" + reactorCount + " must be in [1, 64]");
        }
        if (queueDepth < 1 || queueDepth > 4096) {
            throw new IllegalArgumentException("queueDepth=" + queueDepth + " must be in [1, 4096]");
        }
        if (ringCapacity < 16 || ringCapacity > 65536 || Integer.bitCount(ringCapacity) != 1) {
            throw new IllegalArgumentException("ringCapacity=" + ringCapacity
                    + " must be a power of two in [16, 65536]");
        }
        if (versionBucketCount != VERSION_BUCKETS_FOLLOW_CAPACITY && (versionBucketCount < 1
                || versionBucketCount > VERSION_BUCKETS_MAX || Integer.bitCount(versionBucketCount) != 1)) {
            throw new IllegalArgumentException("versionBucketCount=" + versionBucketCount + " must be a power of two"
                    + " up to " + VERSION_BUCKETS_MAX + ", or 0 to follow the capacity");
        }
        Objects.requireNonNull(walIo, "walIo");
        long segmentMin = walSegmentSizeMin(pageSizeBytes);
        if (walSegmentSizeBytes % WAL_SEGMENT_SIZE_UNIT != 0 || walSegmentSizeBytes > WAL_SEGMENT_SIZE_MAX
                || walSegmentSizeBytes < segmentMin) {
            throw new IllegalArgumentException("walSegmentSizeBytes=" + walSegmentSizeBytes + " must be a whole"
                    + " number of MiB from " + (segmentMin >> 20) + " MiB (for " + pageSizeBytes + "-byte pages) to"
                    + " 1 GiB");
        }
        if (stopWaitMillis < 0 || stopWaitMillis > STOP_WAIT_MILLIS_MAX) {
            throw new IllegalArgumentException("stopWaitMillis=" + stopWaitMillis + " must be in [0, "
                    + STOP_WAIT_MILLIS_MAX + "] (an hour)");
        }
        if (checkpointIntervalMillis < 0) {
            throw new IllegalArgumentException("checkpointIntervalMillis=" + checkpointIntervalMillis
                    + " must not be negative");
        }
    }

    /**
     * Defaults for everything but the directory: 4 KiB pages, 1 GiB, one reactor, depth 64, and the {@code auto}
     * backend (io_uring where the kernel offers it, else portable), as on the command line; a new store is created
     * where the directory holds none ({@link #createStore}, which the command line leaves false without
     * {@code --create}).
     */
    public static ManagerConfig defaults(Path directory) {
        return new ManagerConfig(directory, DEFAULT_PAGE_SIZE, DEFAULT_CAPACITY_PAGES, 1, DEFAULT_QUEUE_DEPTH,
                DeviceFactory.named("auto"), false, DEFAULT_RING_CAPACITY, VERSION_BUCKETS_FOLLOW_CAPACITY, 30_000,
                WalDirectoryFactory.auto(), true, DEFAULT_WAL_SEGMENT_SIZE_BYTES, null, DEFAULT_STOP_WAIT_MILLIS);
    }

    public ManagerConfig withPageSizeBytes(int value) {
        return new ManagerConfig(directory, value, capacityPages, reactorCount, queueDepth, backend, pin,
                ringCapacity, versionBucketCount, checkpointIntervalMillis, walIo, createStore, walSegmentSizeBytes,
                replication, stopWaitMillis);
    }

    public ManagerConfig withCapacityPages(long value) {
        return new ManagerConfig(directory, pageSizeBytes, value, reactorCount, queueDepth, backend, pin,
                ringCapacity, versionBucketCount, checkpointIntervalMillis, walIo, createStore, walSegmentSizeBytes,
                replication, stopWaitMillis);
    }

    public ManagerConfig withReactorCount(int value) {
        return new ManagerConfig(directory, pageSizeBytes, capacityPages, value, queueDepth, backend, pin,
                ringCapacity, versionBucketCount, checkpointIntervalMillis, walIo, createStore, walSegmentSizeBytes,
                replication, stopWaitMillis);
    }

    public ManagerConfig withQueueDepth(int value) {
        return new ManagerConfig(directory, pageSizeBytes, capacityPages, reactorCount, value, backend, pin,
                ringCapacity, versionBucketCount, checkpointIntervalMillis, walIo, createStore, walSegmentSizeBytes,
                replication, stopWaitMillis);
    }

    public ManagerConfig withBackend(DeviceFactory value) {
        return new ManagerConfig(directory, pageSizeBytes, capacityPages, reactorCount, queueDepth, value, pin,
                ringCapacity, versionBucketCount, checkpointIntervalMillis, walIo, createStore, walSegmentSizeBytes,
                replication, stopWaitMillis);
    }

    public ManagerConfig withPin(boolean value) {
        return new ManagerConfig(directory, pageSizeBytes, capacityPages, reactorCount, queueDepth, backend, value,
                ringCapacity, versionBucketCount, checkpointIntervalMillis, walIo, createStore, walSegmentSizeBytes,
                replication, stopWaitMillis);
    }

    public ManagerConfig withRingCapacity(int value) {
        return new ManagerConfig(directory, pageSizeBytes, capacityPages, reactorCount, queueDepth, backend, pin,
                value, versionBucketCount, checkpointIntervalMillis, walIo, createStore, walSegmentSizeBytes,
                replication, stopWaitMillis);
    }

    /** The page-version table's buckets: a power of two, or {@link #VERSION_BUCKETS_FOLLOW_CAPACITY}. */
    public ManagerConfig withVersionBucketCount(int value) {
        return new ManagerConfig(directory, pageSizeBytes, capacityPages, reactorCount, queueDepth, backend, pin,
                ringCapacity, value, checkpointIntervalMillis, walIo, createStore, walSegmentSizeBytes,
                replication, stopWaitMillis);
    }

    /**
     * The smallest WAL segment for {@code pageSizeBytes}-byte pages: its header and two records of the largest atomic
     * group, so that a group never needs a segment of its own, in whole MiB (1, 2 and 3 MiB for 4, 8 and 16 KiB).
     */
    public static long walSegmentSizeMin(int pageSizeBytes) {
        long largestRecord = WalRecordDescriptor.alignedLength(
                WalRecordDescriptor.pageImagesLength(StoreRecovery.WAL_GROUP_PAGES_MAX, pageSizeBytes));
        long bytes = WalSegmentDescriptor.HEADER_REGION_BYTES + 2 * largestRecord + WalRecordDescriptor.HEADER_LENGTH;
        return (bytes + WAL_SEGMENT_SIZE_UNIT - 1) / WAL_SEGMENT_SIZE_UNIT * WAL_SEGMENT_SIZE_UNIT;
    }

    /**
     * The version buckets for a store of {@code capacityPages}: one per {@value #PAGES_PER_VERSION_BUCKET} pages,
     * rounded up to a power of two, between 2^16 (512 KiB) and 2^22 (32 MiB; 64 pages a bucket for 1 TiB of 4 KiB
     * pages).
     */
    public static int versionBucketsFor(long capacityPages) {
        long wanted = Math.max(1, (capacityPages + PAGES_PER_VERSION_BUCKET - 1) / PAGES_PER_VERSION_BUCKET);
        long buckets = Long.highestOneBit(wanted) == wanted ? wanted : Long.highestOneBit(wanted) << 1;
        return (int) Math.clamp(buckets, VERSION_BUCKETS_MIN, VERSION_BUCKETS_MAX);
    }

    /** The version buckets this manager uses: the configured count, or the one its capacity calls for. */
    public int effectiveVersionBucketCount() {
        return versionBucketCount != VERSION_BUCKETS_FOLLOW_CAPACITY ? versionBucketCount
                : versionBucketsFor(capacityPages);
    }

    public ManagerConfig withCheckpointIntervalMillis(long value) {
        return new ManagerConfig(directory, pageSizeBytes, capacityPages, reactorCount, queueDepth, backend, pin,
                ringCapacity, versionBucketCount, value, walIo, createStore, walSegmentSizeBytes,
                replication, stopWaitMillis);
    }

    public ManagerConfig withWalIo(WalDirectoryFactory value) {
        return new ManagerConfig(directory, pageSizeBytes, capacityPages, reactorCount, queueDepth, backend, pin,
                ringCapacity, versionBucketCount, checkpointIntervalMillis, value, createStore, walSegmentSizeBytes,
                replication, stopWaitMillis);
    }

    /** The size of a new store's WAL segments (an existing store keeps the size its log was made with). */
    public ManagerConfig withWalSegmentSizeBytes(long value) {
        return new ManagerConfig(directory, pageSizeBytes, capacityPages, reactorCount, queueDepth, backend, pin,
                ringCapacity, versionBucketCount, checkpointIntervalMillis, walIo, createStore, value,
                replication, stopWaitMillis);
    }

    public ManagerConfig withCreateStore(boolean value) {
        return new ManagerConfig(directory, pageSizeBytes, capacityPages, reactorCount, queueDepth, backend, pin,
                ringCapacity, versionBucketCount, checkpointIntervalMillis, walIo, value, walSegmentSizeBytes,
                replication, stopWaitMillis);
    }

    /** The WAL replicated as {@code value} says, or (null) not at all. */
    public ManagerConfig withReplication(ReplicationConfig value) {
        return new ManagerConfig(directory, pageSizeBytes, capacityPages, reactorCount, queueDepth, backend, pin,
                ringCapacity, versionBucketCount, checkpointIntervalMillis, walIo, createStore, walSegmentSizeBytes,
                value, stopWaitMillis);
    }

    /** How long a stop waits for requests in progress before it stops without them. */
    public ManagerConfig withStopWaitMillis(long value) {
        return new ManagerConfig(directory, pageSizeBytes, capacityPages, reactorCount, queueDepth, backend, pin,
                ringCapacity, versionBucketCount, checkpointIntervalMillis, walIo, createStore, walSegmentSizeBytes,
                replication, value);
    }
}

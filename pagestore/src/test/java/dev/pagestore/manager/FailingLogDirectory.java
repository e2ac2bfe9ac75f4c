package dev.pagestore.manager;

import dev.pagestore.wal.LogDevice;
import dev.pagestore.wal.ForwardingLogDirectory;
import dev.pagestore.wal.LogDirectory;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A manager's real WAL directory ({@code DIR/wal}) with the faults a test asks for: the next fdatasyncs of a file,
 * or of every segment, fail with an {@code EIO}-like {@link IOException}; closing a segment can be held until the test
 * lets it go. Everything else goes to the real directory, so the manager's start checks it as any other.
 */
public final class FailingLogDirectory extends ForwardingLogDirectory {
    private static final String SEGMENTS = "*.wal";

    private final LogDirectory inner;
    private final Map<String, AtomicInteger> datasyncFailures = new ConcurrentHashMap<>();
    private volatile CountDownLatch segmentCloseGate;

    private FailingLogDirectory(LogDirectory inner) {
        super(inner);
        this.inner = inner;
    }

    /**
     * {@code real}'s directories seen through a new {@code FailingLogDirectory} each, the latest put in {@code made}:
     * what a test's {@link ManagerConfig#withWalIo} takes.
     */
    public static WalDirectoryFactory over(WalDirectoryFactory real, AtomicReference<FailingLogDirectory> made) {
        return (walDirectory, dataBackend) -> {
            FailingLogDirectory faulty = new FailingLogDirectory(real.open(walDirectory, dataBackend));
            made.set(faulty);
            return faulty;
        };
    }

    /** Starts a manager whose WAL directory is seen through a new {@code FailingLogDirectory} put in {@code made}. */
    public static PageStoreManager start(ManagerConfig config, AtomicReference<FailingLogDirectory> made)
            throws IOException {
        return PageStoreManager.start(config.withWalIo(over(config.walIo(), made)));
    }

    /** The next {@code count} fdatasyncs of file {@code name} fail. */
    public void failNextDatasyncs(String name, int count) {
        datasyncFailures.computeIfAbsent(name, n -> new AtomicInteger()).set(count);
    }

    /** The next {@code count} fdatasyncs of segment files (any {@code *.wal}) fail. */
    public void failNextSegmentDatasyncs(int count) {
        failNextDatasyncs(SEGMENTS, count);
    }

    /** Closing a segment waits until {@code gate} opens (null: it does not wait). */
    public void holdSegmentClosesUntil(CountDownLatch gate) {
        segmentCloseGate = gate;
    }

    private boolean takeFailure(String key) {
        AtomicInteger left = datasyncFailures.get(key);
        return left != null && left.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
    }

    @Override
    public LogDevice open(String name, boolean create) throws IOException {
        LogDevice device = inner.open(name, create);
        boolean segment = name.endsWith(".wal");
        return new LogDevice() {
            @Override
            public void write(long offset, MemorySegment source) throws IOException {
                device.write(offset, source);
            }

            @Override
            public long read(long offset, MemorySegment destination) throws IOException {
                return device.read(offset, destination);
            }

            @Override
            public void datasync() throws IOException {
                if (takeFailure(name) || (segment && takeFailure(SEGMENTS))) {
                    throw new IOException("injected EIO: fdatasync of " + name);
                }
                device.datasync();
            }

            @Override
            public long size() throws IOException {
                return device.size();
            }

            @Override
            public void preallocate(long sizeBytes) throws IOException {
                device.preallocate(sizeBytes);
            }

            @Override
            public void truncate(long sizeBytes) throws IOException {
                device.truncate(sizeBytes);
            }

            @Override
            public void transferOwnership(Thread next) {
                device.transferOwnership(next);
            }

            @Override
            public void close() throws IOException {
                CountDownLatch gate = segmentCloseGate;
                if (segment && gate != null) {
                    try {
                        gate.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                device.close();
            }
        };
    }

    @Override
    public String toString() {
        return "FailingLogDirectory[" + inner + "]";
    }
}

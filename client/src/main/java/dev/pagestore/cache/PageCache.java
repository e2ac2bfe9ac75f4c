package dev.pagestore.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import dev.pagestore.status.PageVersions;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;

/**
 * A worker's page cache: Caffeine (W-TinyLFU admission and eviction), bounded in bytes, coherent across processes
 * through the manager's page-version table.
 *
 * <h2>Why it is never stale</h2>
 * Every acknowledged write bumps its page's version bucket before its completion is published
 * ({@code StatusRegionDescriptor}, "Page versions"). A miss reads the bucket version <em>before</em> it reads the
 * page and stores the page with that version; a lookup serves the entry only while {@code versions.version(page)}
 * still equals it. A write acknowledged to any process after the version was read has bumped the bucket, so the
 * entry no longer matches: at worst a false invalidation (another page in the same bucket was written), never a stale
 * page. {@link #UNKNOWN_VERSION} (no table, e.g. the manager is gone) is never cached and never hits.
 *
 * <h2>Writes go through</h2>
 * {@link #write} writes to the store (it returns once acknowledged, i.e. durable), then keeps the new image only when
 * the page's bucket moved by exactly one between just before the write and just after its acknowledgement: that one
 * bump is this write's own, so no other acknowledged write to the page can be newer. Otherwise (another write to the
 * bucket in between, or a batch) the entry is dropped and the next read goes to the store. A failed write drops the
 * entry too (its outcome is unknown).
 *
 * <p>Thread safety: as thread-safe as its {@link BackingStore}; a store over one {@code PageStoreClient} means one
 * thread (the client's owner). Returned arrays are copies: callers may modify them.
 */
public final class PageCache {
    /** A version meaning "not known": never stored, never matched. Real versions are {@code (epoch << 32) + n > 0}. */
    public static final long UNKNOWN_VERSION = -1;

    private record Entry(long version, byte[] data) {
    }

    private final BackingStore store;
    private final PageVersions versions;
    private final Cache<Long, Entry> cache;
    private final long capacityBytes;
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LongAdder staleEntries = new LongAdder();

    /**
     * @param store         where pages are read from and written through
     * @param versions      the page-version table (for a client: {@code new ClientVersions(client)})
     * @param capacityBytes the bound on cached page bytes (at least one page's worth to cache anything)
     */
    public PageCache(BackingStore store, PageVersions versions, long capacityBytes) {
        this.store = Objects.requireNonNull(store, "store");
        this.versions = Objects.requireNonNull(versions, "versions");
        if (capacityBytes < 0) {
            throw new IllegalArgumentException("capacityBytes=" + capacityBytes + " must not be negative");
        }
        this.capacityBytes = capacityBytes;
        this.cache = Caffeine.newBuilder()
                .maximumWeight(capacityBytes)
                .weigher((Long page, Entry entry) -> entry.data.length)
                .recordStats()
                .evictionListener((Long page, Entry entry, RemovalCause cause) -> {
                    if (cause.wasEvicted()) {
                        store.countCacheFigures(0, 0, 1);
                    }
                })
                .executor(Runnable::run)  // maintenance on the caller's thread: no hidden pool threads in a worker
                .build();
    }

    /** Page {@code pageNumber}: from the cache when its version is current, else from the store (then cached). */
    public byte[] read(long pageNumber) throws IOException {
        Entry entry = currentEntry(pageNumber);
        if (entry != null) {
            return entry.data.clone();
        }
        // The version is read BEFORE the page: a write acknowledged after this point moves it past what we store.
        long version = versions.version(pageNumber);
        byte[] data = store.read(pageNumber);
        fill(pageNumber, data.clone(), version);
        return data;
    }

    /**
     * Page {@code pageNumber} copied into {@code destination} (its first page-size bytes): a hit allocates nothing.
     *
     * @throws IllegalArgumentException when {@code destination} is smaller than a page
     */
    public void read(long pageNumber, MemorySegment destination) throws IOException {
        Objects.requireNonNull(destination, "destination");
        Entry entry = currentEntry(pageNumber);
        byte[] data;
        if (entry != null) {
            data = entry.data;
        } else {
            long version = versions.version(pageNumber);  // before the page, as in read(long)
            data = fill(pageNumber, store.read(pageNumber), version);
        }
        if (destination.byteSize() < data.length) {
            throw new IllegalArgumentException("destination is " + destination.byteSize() + " bytes, smaller than a"
                    + " page (" + data.length + ")");
        }
        MemorySegment.copy(data, 0, destination, ValueLayout.JAVA_BYTE, 0, data.length);
    }

    /**
     * Page {@code pageNumber} as a read-only view of the cached image, without copying it: for callers that only
     * read the page. The view stays valid after the page changes (it is that moment's image); read the page again
     * for a newer one.
     */
    public ByteBuffer readView(long pageNumber) throws IOException {
        Entry entry = currentEntry(pageNumber);
        if (entry != null) {
            return ByteBuffer.wrap(entry.data).asReadOnlyBuffer();
        }
        long version = versions.version(pageNumber);
        byte[] data = store.read(pageNumber);
        fill(pageNumber, data.clone(), version);
        return ByteBuffer.wrap(data).asReadOnlyBuffer();
    }

    /**
     * Several pages, in {@code pageNumbers} order: hits from the cache, the misses from the store in one batch (all
     * asked for before the first is awaited), then cached.
     */
    public List<byte[]> readMany(long[] pageNumbers) throws IOException {
        byte[][] pages = new byte[pageNumbers.length][];
        int misses = 0;
        for (int i = 0; i < pageNumbers.length; i++) {
            Entry entry = currentEntry(pageNumbers[i]);
            if (entry != null) {
                pages[i] = entry.data.clone();
            } else {
                misses++;
            }
        }
        if (misses > 0) {
            long[] missing = new long[misses];
            long[] missVersions = new long[misses];
            for (int i = 0, m = 0; i < pageNumbers.length; i++) {
                if (pages[i] == null) {
                    missing[m] = pageNumbers[i];
                    missVersions[m++] = versions.version(pageNumbers[i]);  // before the read, as in read()
                }
            }
            List<byte[]> fetched = store.readMany(missing);
            for (int i = 0, m = 0; i < pageNumbers.length; i++) {
                if (pages[i] == null) {
                    pages[i] = fetched.get(m);
                    fill(missing[m], pages[i].clone(), missVersions[m]);
                    m++;
                }
            }
        }
        return List.of(pages);
    }

    /** Page {@code pageNumber}, later: a hit at once, a miss through the store's asynchronous read, then cached. */
    public CompletableFuture<byte[]> readAsync(long pageNumber) throws IOException {
        Entry entry = currentEntry(pageNumber);
        if (entry != null) {
            return CompletableFuture.completedFuture(entry.data.clone());
        }
        long version = versions.version(pageNumber);
        return store.readAsync(pageNumber).thenApply(data -> {
            fill(pageNumber, data.clone(), version);
            return data;
        });
    }

    /** The cached entry of {@code pageNumber} while its version is current (a hit, counted), else null (a miss). */
    private Entry currentEntry(long pageNumber) {
        Entry entry = cache.getIfPresent(pageNumber);
        if (entry != null) {
            long current = versions.version(pageNumber);
            if (current != UNKNOWN_VERSION && current == entry.version) {
                hits.increment();
                store.countCacheFigures(1, 0, 0);
                return entry;
            }
            staleEntries.increment();
        }
        misses.increment();
        store.countCacheFigures(0, 1, 0);
        return null;
    }

    /** Caches {@code data} (not shared with any caller) under the version read before it; returns it. */
    private byte[] fill(long pageNumber, byte[] data, long version) {
        if (version != UNKNOWN_VERSION) {
            cache.put(pageNumber, new Entry(version, data));
        } else {
            cache.invalidate(pageNumber);
        }
        return data;
    }

    /** Writes through: returns once the store acknowledged the write; the cache then holds it or drops the page. */
    public void write(long pageNumber, byte[] data) throws IOException {
        Objects.requireNonNull(data, "data");
        long before = versions.version(pageNumber);
        boolean done = false;
        try {
            store.write(pageNumber, data);
            done = true;
        } finally {
            if (!done) {
                cache.invalidate(pageNumber);
            }
        }
        long after = versions.version(pageNumber);
        if (before != UNKNOWN_VERSION && after != UNKNOWN_VERSION && after == before + 1) {
            cache.put(pageNumber, new Entry(after, data.clone()));
        } else {
            cache.invalidate(pageNumber);
        }
    }

    /** Writes an atomic batch through the store; the batch's pages are dropped from the cache. */
    public void writeBatch(long[] pageNumbers, byte[][] data) throws IOException {
        try {
            store.writeBatch(pageNumbers, data);
        } finally {
            for (long page : pageNumbers) {
                cache.invalidate(page);
            }
        }
    }

    /** Drops page {@code pageNumber} from this cache. */
    public void invalidate(long pageNumber) {
        cache.invalidate(pageNumber);
    }

    public long capacityBytes() {
        return capacityBytes;
    }

    public PageCacheStats stats() {
        cache.cleanUp();
        long weight = cache.policy().eviction().map(e -> e.weightedSize().orElse(0)).orElse(0L);
        return new PageCacheStats(hits.sum(), misses.sum(), staleEntries.sum(), cache.stats().evictionCount(),
                weight);
    }
}

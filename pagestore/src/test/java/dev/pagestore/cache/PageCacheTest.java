package dev.pagestore.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.status.PageVersions;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The cache against a fake store and a fake version table, two "processes" sharing both. */
class PageCacheTest {
    private static final int PAGE = 64;

    /** A store that bumps the page's version on every acknowledged write, as the manager does. */
    static final class FakeStore implements BackingStore, PageVersions {
        final Map<Long, byte[]> pages = new HashMap<>();
        final Map<Long, Long> versions = new HashMap<>();
        long epoch = 1;
        int reads;
        boolean failWrites;
        /** Run between reading the page and returning it (a concurrent writer's moment). */
        Runnable duringRead = () -> { };

        @Override
        public byte[] read(long pageNumber) {
            reads++;
            byte[] data = pages.getOrDefault(pageNumber, new byte[PAGE]).clone();
            Runnable r = duringRead;
            duringRead = () -> { };
            r.run();
            return data;
        }

        @Override
        public void write(long pageNumber, byte[] data) throws IOException {
            if (failWrites) {
                throw new IOException("injected");
            }
            pages.put(pageNumber, data.clone());
            versions.merge(pageNumber % 8, 1L, Long::sum);  // 8 buckets: pages p and p + 8 share one
        }

        @Override
        public void writeBatch(long[] pageNumbers, byte[][] data) throws IOException {
            for (int i = 0; i < pageNumbers.length; i++) {
                write(pageNumbers[i], data[i]);
            }
        }

        int readManyCalls;

        @Override
        public java.util.List<byte[]> readMany(long[] pageNumbers) throws IOException {
            readManyCalls++;
            return BackingStore.super.readMany(pageNumbers);
        }

        /** Answers later, on another thread, as the client's asynchronous read does. */
        @Override
        public java.util.concurrent.CompletableFuture<byte[]> readAsync(long pageNumber) {
            byte[] data = read(pageNumber);
            return java.util.concurrent.CompletableFuture.supplyAsync(() -> data,
                    java.util.concurrent.CompletableFuture.delayedExecutor(20, java.util.concurrent.TimeUnit.MILLISECONDS));
        }

        @Override
        public long version(long pageNumber) {
            return (epoch << 32) + versions.getOrDefault(pageNumber % 8, 0L);
        }

        @Override
        public long epoch() {
            return epoch;
        }
    }

    private static byte[] page(int value) {
        byte[] data = new byte[PAGE];
        java.util.Arrays.fill(data, (byte) value);
        return data;
    }

    private final FakeStore store = new FakeStore();

    /** Between the store's next read of a page and its return, cache A's write of {@code page} is acknowledged. */
    private void aWritesDuringTheNextRead(long pageNumber, byte[] data) {
        store.duringRead = () -> {
            try {
                a.write(pageNumber, data);
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        };
    }
    private final PageCache a = new PageCache(store, store, 16 * PAGE);
    private final PageCache b = new PageCache(store, store, 16 * PAGE);

    @Test
    void shouldServeRepeatedReadsFromTheCache() throws IOException {
        store.pages.put(3L, page(3));
        assertArrayEquals(page(3), b.read(3));
        assertArrayEquals(page(3), b.read(3));
        assertEquals(1, store.reads);
        assertEquals(1, b.stats().hits());
        assertEquals(1, b.stats().misses());
    }

    @Test
    void shouldNeverServeAPageCachedInBAfterAsWriteWasAcknowledged() throws IOException {
        assertArrayEquals(page(0), b.read(5));
        a.write(5, page(7));
        assertArrayEquals(page(7), b.read(5), "B must see A's acknowledged write");
        assertEquals(1, b.stats().staleEntries());
        assertArrayEquals(page(7), b.read(5));
        assertEquals(1, b.stats().hits());
    }

    @Test
    void shouldDropAPageReadWhileAWriteToItWasAcknowledged() throws IOException {
        store.pages.put(2L, page(1));
        // B's read returns the old image, and A's write is acknowledged before B caches it.
        aWritesDuringTheNextRead(2, page(2));
        assertArrayEquals(page(1), b.read(2), "the read itself raced the write");
        assertArrayEquals(page(2), b.read(2), "the cached old image must not be served");
    }

    @Test
    void shouldKeepItsOwnWriteCachedWhenNoOtherWriteMovedTheBucket() throws IOException {
        a.write(4, page(4));
        int reads = store.reads;
        assertArrayEquals(page(4), a.read(4));
        assertEquals(reads, store.reads, "served from the cache");
    }

    @Test
    void shouldDropItsOwnWriteWhenAnotherWriteToTheBucketIntervened() throws IOException {
        BackingStore racing = new BackingStore() {
            @Override
            public byte[] read(long pageNumber) {
                return store.read(pageNumber);
            }

            @Override
            public void write(long pageNumber, byte[] data) throws IOException {
                store.write(pageNumber, data);
                store.write(pageNumber, page(9));  // another process's write, acknowledged after ours
            }

            @Override
            public void writeBatch(long[] pageNumbers, byte[][] data) {
                throw new UnsupportedOperationException();
            }
        };
        PageCache c = new PageCache(racing, store, 16 * PAGE);
        c.write(6, page(6));
        assertArrayEquals(page(9), c.read(6), "the later write wins");
    }

    @Test
    void shouldInvalidateEverythingWhenANewManagerEpochStarts() throws IOException {
        b.read(1);
        store.pages.put(1L, page(8));  // written under a new manager, whose table starts at its epoch
        store.epoch = 2;
        assertArrayEquals(page(8), b.read(1));
    }

    @Test
    void shouldNeverCacheUnderAnUnknownVersion() throws IOException {
        PageVersions unknown = new PageVersions() {
            @Override
            public long version(long pageNumber) {
                return PageCache.UNKNOWN_VERSION;
            }

            @Override
            public long epoch() {
                return 0;
            }
        };
        PageCache c = new PageCache(store, unknown, 16 * PAGE);
        c.read(1);
        c.read(1);
        assertEquals(2, store.reads);
        assertEquals(0, c.stats().hits());
    }

    @Test
    void shouldDropThePageWhenAWriteFailsAndAfterABatch() throws IOException {
        a.write(1, page(1));
        store.failWrites = true;
        assertThrows(IOException.class, () -> a.write(1, page(2)));
        store.failWrites = false;
        store.pages.put(1L, page(2));  // the failed write's outcome is unknown: it may have been applied
        assertArrayEquals(page(2), a.read(1));
        a.writeBatch(new long[] {1, 2}, new byte[][] {page(3), page(4)});
        int reads = store.reads;
        assertArrayEquals(page(3), a.read(1));
        assertEquals(reads + 1, store.reads, "batch pages are read again");
    }

    @Test
    void shouldStayWithinItsByteBound() throws IOException {
        for (long p = 0; p < 200; p++) {
            a.read(p);
        }
        PageCacheStats stats = a.stats();
        assertTrue(stats.weightBytes() <= 16 * PAGE, "weight " + stats.weightBytes());
        assertTrue(stats.evictions() > 0);
    }

    @Test
    void shouldReturnCopiesCallersMayModify() throws IOException {
        store.pages.put(1L, page(1));
        a.read(1)[0] = 42;
        assertArrayEquals(page(1), a.read(1));
    }

    @Test
    void shouldFetchOnlyTheMissesOfABatchInOneCallAndCacheThem() throws IOException {
        store.pages.put(1L, page(1));
        store.pages.put(2L, page(2));
        store.pages.put(3L, page(3));
        assertArrayEquals(page(2), a.read(2));
        int readsBefore = store.reads;
        java.util.List<byte[]> pages = a.readMany(new long[] {1, 2, 3});
        assertArrayEquals(page(1), pages.get(0));
        assertArrayEquals(page(2), pages.get(1));
        assertArrayEquals(page(3), pages.get(2));
        assertEquals(readsBefore + 2, store.reads, "page 2 was a hit; 1 and 3 came from the store");
        assertEquals(1, store.readManyCalls, "the misses in one batch");
        pages.get(0)[0] = 99;  // the caller's copy: the cache keeps its own
        assertArrayEquals(page(1), a.read(1));
        assertEquals(readsBefore + 2, store.reads, "the batch's misses are cached");
    }

    @Test
    void shouldCacheABatchPageReadWhileAWriteToItWasAcknowledgedOnlyAsStale() throws IOException {
        store.pages.put(2L, page(1));
        aWritesDuringTheNextRead(2, page(2));
        assertArrayEquals(page(1), b.readMany(new long[] {2}).get(0), "the read itself raced the write");
        assertArrayEquals(page(2), b.read(2), "the old image read by the batch is never served");
    }

    @Test
    void shouldFillAsynchronouslyAndAnswerHitsAtOnce() throws Exception {
        store.pages.put(7L, page(7));
        java.util.concurrent.CompletableFuture<byte[]> miss = a.readAsync(7);
        assertTrue(!miss.isDone(), "a miss waits for the store");
        assertArrayEquals(page(7), miss.get());
        java.util.concurrent.CompletableFuture<byte[]> hit = a.readAsync(7);
        assertTrue(hit.isDone(), "a hit needs no store");
        assertArrayEquals(page(7), hit.get());
        assertEquals(1, store.reads);
    }

    @Test
    void shouldCopyIntoCallerMemoryAndLendReadOnlyViewsWithoutCopying() throws IOException {
        store.pages.put(8L, page(8));
        java.lang.foreign.MemorySegment destination = java.lang.foreign.MemorySegment.ofArray(new byte[PAGE]);
        a.read(8, destination);
        assertArrayEquals(page(8), destination.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
        java.nio.ByteBuffer view = a.readView(8);
        assertTrue(view.isReadOnly());
        assertEquals(PAGE, view.remaining());
        assertEquals(8, view.get(0));
        assertThrows(java.nio.ReadOnlyBufferException.class, () -> view.put(0, (byte) 1));
        destination.fill((byte) 0);
        a.read(8, destination);
        assertArrayEquals(page(8), destination.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), "a view changed nothing");
        assertEquals(1, store.reads, "the view and the second copy were hits");
        a.write(8, page(5));
        assertEquals(8, view.get(0), "a view keeps the image of its moment");
        assertEquals(5, a.readView(8).get(0));
        assertThrows(IllegalArgumentException.class,
                () -> a.read(8, java.lang.foreign.MemorySegment.ofArray(new byte[PAGE - 1])));
    }
}

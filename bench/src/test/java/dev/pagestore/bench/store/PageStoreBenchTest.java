package dev.pagestore.bench.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JMH suite's fixtures and benchmarks called directly, without JMH (forking inside surefire is slow): a real
 * manager process on a small store, every benchmark a few times, synchronous and with requests in flight, and a
 * tear-down that stops the manager cleanly and leaves nothing behind.
 */
class PageStoreBenchTest {
    private static final int CALLS = 50;

    @TempDir
    Path parent;

    @Test
    void shouldRunEveryBenchmarkAgainstAManagerProcessAndRemoveItsStore() throws Exception {
        PageStoreBench.Store store = new PageStoreBench.Store();
        store.backend = "auto";
        store.pageSizeBytes = 4096;
        store.workingSetPages = 256;
        System.setProperty(ManagerProcess.DIRECTORY_PROPERTY, parent.toString());
        try {
            store.start();
        } finally {
            System.clearProperty(ManagerProcess.DIRECTORY_PROPERTY);
        }
        PageStoreBench bench = new PageStoreBench();
        try {
            for (int outstanding : new int[] {1, 4}) {
                PageStoreBench.Worker worker = new PageStoreBench.Worker();
                worker.outstanding = outstanding;
                worker.attach(store);
                try {
                    long stamped = 0;
                    for (int i = 0; i < CALLS; i++) {
                        stamped |= bench.read(worker);
                        bench.write(worker);
                        bench.batch(worker);
                        bench.mix(worker);
                    }
                    assertTrue(stamped != 0, "reads returned the pre-written pages' stamps, not holes");
                } finally {
                    worker.detach();
                }
            }
            PageStoreBench.CachedWorker cached = new PageStoreBench.CachedWorker();
            cached.cachePercent = 50;
            cached.attach(store);
            try {
                for (int i = 0; i < CALLS; i++) {
                    byte[] page = bench.mixCached(cached);
                    assertTrue(page == null || page.length == 4096);
                }
                assertTrue(cached.cache.stats().hits() + cached.cache.stats().misses() > 0);
            } finally {
                cached.detach();
            }
            assertEquals(0, store.attachedWorkers.get());
        } finally {
            store.stop();
        }
        assertEquals(0, store.manager.process.exitValue());
        try (Stream<Path> left = Files.list(parent)) {
            assertEquals(0, left.count(), "the trial's directory is removed");
        }
    }
}

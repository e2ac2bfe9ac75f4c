package dev.pagestore.wal;

import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Appender threads for the power-loss tests: each appends, until stopped or until the WAL fails an append (the power
 * is gone), single pages and atomic groups of random pages whose images name their record id, and records what it
 * submitted, the future of each append, and what was acknowledged with which LSN.
 */
final class RandomAppenders {
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicInteger acks = new AtomicInteger();
    private final Map<Long, CompletableFuture<Long>> futures = new ConcurrentHashMap<>();
    private final List<Thread> threads = new ArrayList<>();

    /**
     * Starts {@code count} appenders on {@code wal}, each with its own split of {@code random}, over pages
     * {@code [0, pages)}, taking record ids from {@code ids}.
     */
    RandomAppenders(int count, SplittableRandom random, WriteAheadLog wal, WalConfig config, int pages, int pageSize,
                    AtomicLong ids, Map<Long, long[]> submitted, Map<Long, Long> acknowledged) {
        for (int t = 0; t < count; t++) {
            SplittableRandom own = random.split();
            threads.add(Thread.ofPlatform().name("appender-" + t).start(() -> {
                while (!stop.get()) {
                    int groupSize = own.nextInt(10) < 3 ? 2 + own.nextInt(config.maxPagesPerGroup() - 1) : 1;
                    long id = ids.getAndIncrement();
                    long[] pageNumbers = own.ints(0, pages).distinct().limit(groupSize).asLongStream().toArray();
                    MemorySegment[] images = new MemorySegment[groupSize];
                    for (int p = 0; p < groupSize; p++) {
                        images[p] = MemorySegment.ofArray(new byte[pageSize]);
                        WalTestSupport.fill(images[p], id, pageNumbers[p]);
                    }
                    submitted.put(id, pageNumbers);
                    CompletableFuture<Long> future = groupSize == 1 && own.nextBoolean()
                            ? wal.append(pageNumbers[0], images[0]) : wal.appendGroup(pageNumbers, images);
                    futures.put(id, future);
                    try {
                        acknowledged.put(id, future.join());
                        acks.incrementAndGet();
                    } catch (RuntimeException e) {
                        return; // the power is gone: the WAL failed this append
                    }
                }
            }));
        }
    }

    /** Appends acknowledged so far. */
    AtomicInteger acks() {
        return acks;
    }

    /** The future of each append started so far, by record id. */
    Map<Long, CompletableFuture<Long>> futures() {
        return futures;
    }

    /** Stops every appender and waits for it; one that does not end within 30 s fails the test. */
    void stopAndJoin(String where) throws InterruptedException {
        stop.set(true);
        for (Thread appender : threads) {
            appender.join(TimeUnit.SECONDS.toMillis(30));
            if (appender.isAlive()) {
                fail(where + appender.getName() + " hung after the power failure");
            }
        }
    }
}

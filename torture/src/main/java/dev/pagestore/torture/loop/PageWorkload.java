package dev.pagestore.torture.loop;

import dev.pagestore.client.ErrorCode;
import dev.pagestore.client.PageStoreClient;
import dev.pagestore.client.PageStoreException;
import dev.pagestore.torture.PageOperation;
import dev.pagestore.torture.PageOperation.Outcome;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * One writer's share of a torture load on a {@link PageStoreClient}, recorded operation by operation for
 * {@link dev.pagestore.torture.RegisterChecker}.
 *
 * <h2>Pages</h2>
 * Pages {@code [0, SHARED_PAGES)} are shared: every writer writes single pages there and reads them, so the
 * register check sees writes and reads of many processes race. Each writer also owns a group of
 * {@value #GROUP_PAGES} pages ({@link #groupOf}) that it writes only as whole atomic batches, one value for all: after
 * any crash the group must hold one batch, never parts of two ({@link BatchCheck}).
 *
 * <h2>Outcomes</h2>
 * A write refused before it was sent ({@code BUSY}, {@code INVALID}) certainly did not happen; any other failure
 * (a timeout, the manager's death, an I/O error of the log) may have happened after its record reached the log, so it
 * is {@link Outcome#UNKNOWN}. A failed read tells nothing and is not recorded.
 *
 * <p>Thread safety: one thread per instance; the sequence survives the client (pass it on with {@link #sequence()}).
 */
final class PageWorkload {
    static final int SHARED_PAGES = 32;
    static final int GROUP_PAGES = 3;

    private final int process;
    private final int writer;
    private final int pageSizeBytes;
    private final Consumer<PageOperation> history;
    private final SplittableRandom random;
    private final Duration timeout;
    private final long[] group;
    private long sequence;
    private long acknowledged;
    private long unknown;
    private boolean lastFailed;
    private int failures;

    /**
     * @param process  the process, for the history's messages
     * @param writer   this writer's id, unique among every writer of the store's life (at most 2^31 - 1)
     * @param sequence the last sequence this writer used (0 at first)
     */
    PageWorkload(int process, int writer, long sequence, int pageSizeBytes, long seed, Duration timeout,
            Consumer<PageOperation> history) {
        this.process = process;
        this.writer = writer;
        this.sequence = sequence;
        this.pageSizeBytes = pageSizeBytes;
        this.random = new SplittableRandom(seed);
        this.timeout = timeout;
        this.history = history;
        this.group = groupOf(writer);
    }

    /** The pages a store needs for {@code writers} writers with ids below {@code writers}. */
    static long pagesFor(int writers) {
        return SHARED_PAGES + (long) writers * GROUP_PAGES;
    }

    /** The group of pages {@code writer} writes in batches. */
    static long[] groupOf(int writer) {
        long[] pages = new long[GROUP_PAGES];
        for (int i = 0; i < GROUP_PAGES; i++) {
            pages[i] = SHARED_PAGES + (long) writer * GROUP_PAGES + i;
        }
        return pages;
    }

    /** One operation, chosen at random: a write or a read of a shared page, or a batch of the writer's group. */
    void step(PageStoreClient client) {
        if (lastFailed) {
            // The manager is gone, stopping or restarting: back off (1 ms doubling to 64 ms) rather than spin on its
            // absence and fill the history with writes that were never sent.
            lastFailed = false;
            LockSupport.parkNanos(1_000_000L << Math.min(failures, 6));
            failures++;
        } else {
            failures = 0;
        }
        int choice = random.nextInt(100);
        if (choice < 40) {
            write(client, random.nextInt(SHARED_PAGES));
        } else if (choice < 80) {
            read(client, random.nextInt(SHARED_PAGES));
        } else if (choice < 92) {
            writeGroup(client);
        } else {
            read(client, group[random.nextInt(GROUP_PAGES)]);
        }
    }

    void write(PageStoreClient client, long page) {
        long value = Stamps.value(writer, ++sequence);
        byte[] image = Stamps.image(pageSizeBytes, page, value);
        long invoke = System.nanoTime();
        Outcome outcome;
        try {
            client.write(page, image, timeout);
            outcome = Outcome.OK;
        } catch (PageStoreException e) {
            outcome = outcomeOf(e);
            lastFailed = true;
        }
        record(PageOperation.write(process, page, value, invoke, System.nanoTime(), outcome));
    }

    void writeGroup(PageStoreClient client) {
        long value = Stamps.value(writer, ++sequence);
        byte[][] images = new byte[GROUP_PAGES][];
        for (int i = 0; i < GROUP_PAGES; i++) {
            images[i] = Stamps.image(pageSizeBytes, group[i], value);
        }
        long invoke = System.nanoTime();
        Outcome outcome;
        try {
            client.writeBatch(group, images, timeout);
            outcome = Outcome.OK;
        } catch (PageStoreException e) {
            outcome = outcomeOf(e);
            lastFailed = true;
        }
        long complete = System.nanoTime();
        for (long page : group) {
            record(PageOperation.write(process, page, value, invoke, complete, outcome));
        }
    }

    /** Reads {@code page}; the value read, or null when the read failed (not recorded). */
    Long read(PageStoreClient client, long page) {
        long invoke = System.nanoTime();
        byte[] data;
        try {
            data = client.read(page, timeout);
        } catch (PageStoreException e) {
            lastFailed = true;
            return null;
        }
        long value = Stamps.valueOf(data, page);
        history.accept(PageOperation.read(process, page, value, invoke, System.nanoTime()));
        return value;
    }

    private void record(PageOperation op) {
        if (op.outcome() == Outcome.OK) {
            acknowledged++;
        } else if (op.outcome() == Outcome.UNKNOWN) {
            unknown++;
        }
        history.accept(op);
    }

    private static Outcome outcomeOf(PageStoreException e) {
        return e.code() == ErrorCode.BUSY || e.code() == ErrorCode.INVALID ? Outcome.FAILED : Outcome.UNKNOWN;
    }

    long sequence() {
        return sequence;
    }

    /** Page writes acknowledged (a batch counts each page). */
    long acknowledged() {
        return acknowledged;
    }

    long unknown() {
        return unknown;
    }
}

package dev.pagestore.demo;

import dev.pagestore.cache.BackingStore;
import dev.pagestore.cache.ClientVersions;
import dev.pagestore.cache.PageCache;
import dev.pagestore.cache.PageCacheStats;
import dev.pagestore.client.ClientOptions;
import dev.pagestore.client.ErrorCode;
import dev.pagestore.client.PageStoreClient;
import dev.pagestore.client.PageStoreException;
import dev.pagestore.ipc.linux.ParentWatch;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

/**
 * One worker process of {@code pagestore demo}:
 * {@code DemoWorker DIR WORKER WORKERS PAGES SECONDS SEED CACHE_BYTES DEMO_PID}. It ends at once when the demo
 * ({@code DEMO_PID}, its parent) has ended, however the demo ended.
 *
 * <p>Runs a mixed workload through a {@link PageCache} over one {@link PageStoreClient} (automatic re-attach on):
 * 70% reads (half of them of its own pages, half of any page; 80% of accesses go to the hottest 20% of pages), 27%
 * single-page writes and 3% atomic batches of 4 pages. Worker {@code w} writes only the pages {@code p} with
 * {@code p % WORKERS == w}, each write with the page's next sequence ({@link PageStamp}), so the demo can say exactly
 * what every page must hold. An operation that fails with {@code MANAGER_GONE}, {@code TIMEOUT} or
 * {@code SHUTTING_DOWN} is retried, with the same content, until it succeeds or the run's hard deadline passes.
 * Every read is checked: an own page must hold its last acknowledged write (or a later one whose outcome is unknown),
 * any other page a whole stamp of that page by its owner, or zeros.
 *
 * <p>Protocol, one line each: {@code STARTED} on stdout once the JVM runs (the demo starts workers while the
 * manager starts); {@code ATTACH} on stdin, then {@code READY} after attaching; then, after {@code GO} on stdin,
 * {@code PROGRESS ops retried violations} about every 250 ms; {@code VIOLATION text} (at most 20); at the end
 * {@code DONE key=value ...}, {@code HIST base64} (an HdrHistogram of successful operations' latencies in ns,
 * compressed), {@code ACKED page:sequence ...} and {@code UNKNOWN page:sequence ...} lines, and {@code END}.
 */
public final class DemoWorker {
    private static final int BATCH_PAGES = 4;
    private static final int VIOLATIONS_PRINTED_MAX = 20;

    private final PageStoreClient client;
    private final PageCache cache;
    private final int worker;
    private final int workers;
    private final long pages;
    private final int pageSize;
    private final SplittableRandom random;
    private final PrintStream out;
    /** Per own page index: the last acknowledged sequence, and the next sequence to write. */
    private final long[] lastAcked;
    private final long[] nextSequence;
    /** Own page -> sequences written after its last acknowledgement whose outcome stayed unknown. */
    private final TreeMap<Long, List<Long>> unknown = new TreeMap<>();
    private final Histogram latency = new Histogram(60_000_000_000L, 3);
    private long ops;
    private long reads;
    private long writes;
    private long batches;
    private long retried;
    private long gaveUp;
    private long violations;
    private long outageStartNanos;
    private long outageMaxNanos;
    private long hardDeadlineNanos;
    private long nextProgressNanos;

    private DemoWorker(PageStoreClient client, int worker, int workers, long pages, long seed, long cacheBytes,
            PrintStream out) {
        this.client = client;
        this.cache = new PageCache(BackingStore.of(client), new ClientVersions(client), cacheBytes);
        this.worker = worker;
        this.workers = workers;
        this.pages = pages;
        this.pageSize = client.pageSizeBytes();
        this.random = new SplittableRandom(seed);
        this.out = out;
        long owned = (pages - worker + workers - 1) / workers;
        this.lastAcked = new long[(int) owned];
        this.nextSequence = new long[(int) owned];
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 8 && args.length != 9) {
            System.err.println("usage: DemoWorker DIR WORKER WORKERS PAGES SECONDS SEED CACHE_BYTES DEMO_PID"
                    + " [STANDBY_DIR]");
            System.exit(2);
        }
        Path directory = Path.of(args[0]);
        int worker = Integer.parseInt(args[1]);
        int workers = Integer.parseInt(args[2]);
        long pages = Long.parseLong(args[3]);
        double seconds = Double.parseDouble(args[4]);
        long seed = Long.parseLong(args[5]);
        long cacheBytes = Long.parseLong(args[6]);
        // no worker outlives the demo, even one killed with SIGKILL (ChildProcess)
        ParentWatch.start(Long.parseLong(args[7]), () -> Runtime.getRuntime().halt(3));
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        // with a standby (demo --replicated): follow the failover to it
        List<Path> failover = args.length > 8 ? List.of(Path.of(args[8])) : List.of();
        ClientOptions options = ClientOptions.defaults().withClientName("demo-worker-" + worker)
                .withAutoReattach(true).withDefaultTimeout(Duration.ofSeconds(2)).withFailoverDirectories(failover);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        out.println("STARTED");
        out.flush();
        String attach = in.readLine();
        if (!"ATTACH".equals(attach)) {
            System.err.println("demo worker " + worker + ": expected ATTACH, got " + attach);
            System.exit(2);
        }
        try (PageStoreClient client = PageStoreClient.attach(directory, options)) {
            DemoWorker w = new DemoWorker(client, worker, workers, pages, seed, cacheBytes, out);
            out.println("READY");
            out.flush();
            String go = in.readLine();
            if (!"GO".equals(go)) {
                System.err.println("demo worker " + worker + ": expected GO, got " + go);
                System.exit(2);
            }
            w.run((long) (seconds * 1e9));
        }
        System.exit(0);
    }

    private void run(long durationNanos) {
        long start = System.nanoTime();
        long end = start + durationNanos;
        hardDeadlineNanos = end + 15_000_000_000L;
        nextProgressNanos = start;
        while (System.nanoTime() < end) {
            double r = random.nextDouble();
            if (r < 0.70) {
                long page = random.nextBoolean() ? ownPage(pickIndex(lastAcked.length)) : pickIndex(pages);
                doRead(page);
            } else if (r < 0.97) {
                doWrite(pickIndex(lastAcked.length));
            } else {
                doBatch();
            }
            progress();
        }
        report();
    }

    /** A PROGRESS line at most every 250 ms (also while an operation waits for a manager to come back). */
    private void progress() {
        long now = System.nanoTime();
        if (now >= nextProgressNanos) {
            out.println("PROGRESS " + ops + " " + retried + " " + violations);
            out.flush();
            nextProgressNanos = now + 250_000_000L;
        }
    }

    /** 80% of picks in the first 20% of [0, n), the rest uniform. */
    private long pickIndex(long n) {
        long hot = Math.max(1, n / 5);
        return random.nextDouble() < 0.8 ? random.nextLong(hot) : random.nextLong(n);
    }

    private long ownPage(long index) {
        return index * workers + worker;
    }

    private int ownerOf(long page) {
        return (int) (page % workers);
    }

    private interface Op {
        void run() throws IOException;
    }

    /** Runs {@code op} until it succeeds; false when it gave up (hard deadline, or an error that is not transient). */
    private boolean attempt(Op op) {
        while (true) {
            long t0 = System.nanoTime();
            try {
                op.run();
                long t1 = System.nanoTime();
                latency.recordValue(Math.min(t1 - t0, latency.getHighestTrackableValue()));
                ops++;
                if (outageStartNanos != 0) {
                    outageMaxNanos = Math.max(outageMaxNanos, t1 - outageStartNanos);
                    outageStartNanos = 0;
                }
                return true;
            } catch (PageStoreException e) {
                boolean transient_ = e.code() == ErrorCode.MANAGER_GONE || e.code() == ErrorCode.TIMEOUT
                        || e.code() == ErrorCode.SHUTTING_DOWN;
                if (outageStartNanos == 0) {
                    outageStartNanos = t0;
                }
                if (!transient_ || System.nanoTime() > hardDeadlineNanos) {
                    gaveUp++;
                    System.err.println("demo worker " + worker + ": giving up: " + e.getMessage());
                    return false;
                }
                retried++;
                progress();
                sleepMillis(10);
            } catch (IOException e) {
                gaveUp++;
                System.err.println("demo worker " + worker + ": giving up: " + e);
                return false;
            }
        }
    }

    private void doRead(long page) {
        byte[][] result = new byte[1][];
        if (!attempt(() -> result[0] = cache.read(page))) {
            return;
        }
        reads++;
        int owner = ownerOf(page);
        long sequence = PageStamp.sequenceOf(result[0], page, owner);
        if (sequence < 0) {
            violation("page " + page + " is torn or foreign");
        } else if (owner == worker) {
            int index = (int) (page / workers);
            if (sequence != lastAcked[index] && !unknown.getOrDefault(page, List.of()).contains(sequence)) {
                violation("own page " + page + " read sequence " + sequence + ", last acknowledged "
                        + lastAcked[index]);
            }
        }
    }

    private void doWrite(long index) {
        long page = ownPage(index);
        long sequence = ++nextSequence[(int) index];
        byte[] image = PageStamp.image(pageSize, page, worker, sequence);
        if (attempt(() -> cache.write(page, image))) {
            acknowledged(index, page, sequence);
        } else {
            unknown.computeIfAbsent(page, p -> new ArrayList<>()).add(sequence);
        }
        writes++;
    }

    private void doBatch() {
        long[] indexes = new long[Math.min(BATCH_PAGES, lastAcked.length)];
        int n = 0;
        while (n < indexes.length) {
            long candidate = pickIndex(lastAcked.length);
            boolean duplicate = false;
            for (int i = 0; i < n; i++) {
                duplicate |= indexes[i] == candidate;
            }
            if (!duplicate) {
                indexes[n++] = candidate;
            }
        }
        long[] batchPages = new long[n];
        long[] sequences = new long[n];
        byte[][] images = new byte[n][];
        for (int i = 0; i < n; i++) {
            batchPages[i] = ownPage(indexes[i]);
            sequences[i] = ++nextSequence[(int) indexes[i]];
            images[i] = PageStamp.image(pageSize, batchPages[i], worker, sequences[i]);
        }
        boolean ok = attempt(() -> cache.writeBatch(batchPages, images));
        for (int i = 0; i < n; i++) {
            if (ok) {
                acknowledged(indexes[i], batchPages[i], sequences[i]);
            } else {
                unknown.computeIfAbsent(batchPages[i], p -> new ArrayList<>()).add(sequences[i]);
            }
        }
        batches++;
    }

    private void acknowledged(long index, long page, long sequence) {
        lastAcked[(int) index] = sequence;
        unknown.remove(page);  // only writes after the last acknowledgement stay "unknown"
    }

    private void violation(String text) {
        violations++;
        if (violations <= VIOLATIONS_PRINTED_MAX) {
            out.println("VIOLATION worker " + worker + ": " + text);
        }
    }

    private void report() {
        PageCacheStats stats = cache.stats();
        out.println("DONE ops=" + ops + " reads=" + reads + " writes=" + writes + " batches=" + batches
                + " retried=" + retried + " gaveUp=" + gaveUp + " violations=" + violations
                + " hits=" + stats.hits() + " misses=" + stats.misses() + " stale=" + stats.staleEntries()
                + " outageMillis=" + outageMaxNanos / 1_000_000);
        ByteBuffer buffer = ByteBuffer.allocate(latency.getNeededByteBufferCapacity());
        int length = latency.encodeIntoCompressedByteBuffer(buffer);
        out.println("HIST " + Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(buffer.array(), length)));
        StringBuilder line = new StringBuilder("ACKED");
        for (int i = 0; i < lastAcked.length; i++) {
            if (lastAcked[i] > 0) {
                line.append(' ').append(ownPage(i)).append(':').append(lastAcked[i]);
                if (line.length() > 4000) {
                    out.println(line);
                    line.setLength(0);
                    line.append("ACKED");
                }
            }
        }
        out.println(line);
        line.setLength(0);
        line.append("UNKNOWN");
        unknown.forEach((page, sequences) -> sequences.forEach(s -> line.append(' ').append(page).append(':')
                .append(s)));
        out.println(line);
        out.println("END");
        out.flush();
    }

    private static void sleepMillis(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

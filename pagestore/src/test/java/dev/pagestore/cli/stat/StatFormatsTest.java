package dev.pagestore.cli.stat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.cache.BackingStore;
import dev.pagestore.cache.ClientVersions;
import dev.pagestore.cache.PageCache;
import dev.pagestore.cli.PageStoreCli;
import dev.pagestore.client.ClientOptions;
import dev.pagestore.client.PageStoreClient;
import dev.pagestore.manager.ManagerConfig;
import dev.pagestore.manager.PageStoreManager;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code stat --format json} and {@code --format prometheus}, printed under load and parsed back. */
class StatFormatsTest {
    private static final Pattern SAMPLE = Pattern.compile(
            "(pagestore_[a-z0-9_]+)\\{([a-z]+=\"[^\"]*\"(?:,[a-z]+=\"[^\"]*\")*)\\} (-?[0-9.]+(?:[eE][-+]?[0-9]+)?)");

    @TempDir
    Path directory;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int stat(String... args) {
        CommandLine cli = PageStoreCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    /** Runs {@code stat args} once a client writes and reads, until stat ends; returns what it printed. */
    private String underLoad(String... args) throws Exception {
        try (PageStoreManager manager = PageStoreManager.start(ManagerConfig.defaults(directory)
                .withCapacityPages(1024).withCheckpointIntervalMillis(200))) {
            CountDownLatch writing = new CountDownLatch(1);
            AtomicBoolean done = new AtomicBoolean();
            AtomicReference<Throwable> failed = new AtomicReference<>();
            Thread load = Thread.ofPlatform().start(() -> {
                try (PageStoreClient c = PageStoreClient.attach(directory,
                        ClientOptions.defaults().withClientName("formats-load"))) {
                    // a cache of 16 pages over 1024: hits (the page just written), misses and evictions
                    PageCache cache = new PageCache(BackingStore.of(c), new ClientVersions(c), 16L * c.pageSizeBytes());
                    byte[] page = new byte[c.pageSizeBytes()];
                    for (long p = 0; !done.get(); p = (p + 1) % 1024) {
                        cache.write(p, page);
                        writing.countDown();
                        cache.read(p);
                        c.read(p);
                        cache.read((p * 7) % 1024);
                    }
                } catch (Throwable e) {
                    failed.set(e);
                    writing.countDown();
                }
            });
            assertTrue(writing.await(30, TimeUnit.SECONDS), "the load started");
            int code = stat(args);
            done.set(true);
            load.join();
            assertEquals(null, failed.get(), "the load ran");
            assertEquals(0, code, err.toString());
        }
        return out.toString();
    }

    @Test
    @SuppressWarnings("unchecked")
    void shouldPrintOneJsonObjectPerIntervalAndLine() throws Exception {
        Locale locale = Locale.getDefault();
        String text;
        try {
            Locale.setDefault(Locale.GERMANY);  // a decimal comma would break the numbers
            text = underLoad("stat", "--dir", directory.toString(), "--interval", "400ms", "--count", "2",
                    "--format", "json");
        } finally {
            Locale.setDefault(locale);
        }
        List<String> lines = text.lines().toList();
        assertEquals(2, lines.size(), text);
        double writesPerSecond = 0;
        double workerWrites = 0;
        double lastWorkerWrites = 0;
        double lastReactorWrites = 0;
        double busiest = 0;
        for (String line : lines) {
            Map<String, Object> report = (Map<String, Object>) MiniJson.parse(line);
            assertEquals((double) ProcessHandle.current().pid(), report.get("managerPid"));
            assertEquals(1.0, report.get("epoch"));
            List<Object> reactors = (List<Object>) report.get("reactors");
            assertEquals(1, reactors.size());
            Map<String, Object> reactor = (Map<String, Object>) reactors.getFirst();
            writesPerSecond += (Double) reactor.get("writesPerSecond");
            double busy = (Double) reactor.get("busyFraction");
            assertTrue(busy >= 0 && busy <= 1, "a fraction: " + busy);
            busiest = Math.max(busiest, busy);
            Object perReap = reactor.get("pagesPerReap");
            assertTrue(perReap == null || (Double) perReap > 0, "pages per reap: " + perReap);
            Object perBell = reactor.get("pagesPerDoorbell");
            assertTrue(perBell == null || (Double) perBell > 0, "pages per doorbell: " + perBell);
            assertTrue(reactor.containsKey("readP99Nanos") && reactor.containsKey("writeP999Nanos"), line);
            Object p50 = reactor.get("p50Nanos");
            Object p99 = reactor.get("p99Nanos");
            assertTrue(p99 == null || ((Double) p99 >= (Double) p50 && (Double) p50 > 0), "quantiles: " + line);
            List<Object> workers = (List<Object>) report.get("workers");
            assertEquals(1, workers.size(), line);
            Map<String, Object> worker = (Map<String, Object>) workers.getFirst();
            assertEquals("formats-load", worker.get("name"));
            assertEquals((double) ProcessHandle.current().pid(), worker.get("pid"));
            assertEquals(0.0, worker.get("reactor"));
            workerWrites += (Double) worker.get("writesPerSecond");
            lastWorkerWrites = (Double) worker.get("writes");
            lastReactorWrites = (Double) reactor.get("writes");
            assertEquals((Double) worker.get("writes") * 4096, (Double) worker.get("bytesWritten"), 0.5);
            // the cache's own figures travel two 100 ms hops (StatWorkersTest waits for them): here only present
            assertTrue((Double) worker.get("reads") > 0 && (Double) worker.get("cacheHits") >= 0
                    && (Double) worker.get("cacheMisses") >= 0 && (Double) worker.get("cacheEvictions") >= 0, line);
            assertEquals(0.0, ((Map<String, Object>) worker.get("errors")).get("ioError"));
            assertTrue((Double) worker.get("inFlight") >= 0 && (Double) worker.get("inFlight") <= 64, line);
            Map<String, Object> wal = (Map<String, Object>) report.get("wal");
            assertTrue((Double) wal.get("durableLsn") > 0, line);
            assertTrue(wal.containsKey("fdatasyncMicrosPerCommit") && wal.containsKey("checkpoints"), line);
            Map<String, Object> control = (Map<String, Object>) report.get("control");
            assertTrue((Double) control.get("attaches") >= 1, line);
        }
        assertTrue(writesPerSecond > 0 && workerWrites > 0, text);
        // the one worker's row counts what the one reactor counted, up to a publish (100 ms) behind
        assertTrue(lastWorkerWrites <= lastReactorWrites && lastWorkerWrites >= 0.5 * lastReactorWrites, text);
        assertTrue(busiest > 0, "a reactor that served writes was busy some of the time: " + text);
    }

    @Test
    void shouldPrintThePrometheusTextFormat() throws Exception {
        String text = underLoad("stat", "--dir", directory.toString(), "--interval", "600ms", "--count", "1",
                "--format", "prometheus");
        Map<String, String> types = new HashMap<>();
        Set<String> described = new HashSet<>();
        Map<String, Double> values = new HashMap<>();
        long previousBucket = -1;
        double previousLe = 0;
        for (String line : text.lines().toList()) {
            if (line.isEmpty()) {
                continue;
            }
            if (line.startsWith("# HELP ")) {
                described.add(line.split(" ")[2]);
                continue;
            }
            if (line.startsWith("# TYPE ")) {
                String[] f = line.split(" ");
                assertTrue(Set.of("counter", "gauge", "histogram").contains(f[3]), line);
                assertEquals(null, types.put(f[2], f[3]), "one TYPE per family: " + line);
                continue;
            }
            Matcher m = SAMPLE.matcher(line);
            assertTrue(m.matches(), "a sample line: " + line);
            String family = m.group(1).replaceAll("_(bucket|count)$", "");
            assertTrue(types.containsKey(family), "TYPE before " + line);
            assertTrue(described.contains(family), "HELP before " + line);
            if (types.get(family).equals("counter")) {
                assertTrue(family.endsWith("_total"), "a counter's name ends _total: " + family);
            }
            double value = Double.parseDouble(m.group(3));
            assertEquals(null, values.put(m.group(1) + "{" + m.group(2) + "}", value), "one series once: " + line);
            if (m.group(1).endsWith("_bucket")) {
                String le = m.group(2).replaceAll(".*le=\"([^\"]+)\".*", "$1");
                double bound = le.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le);
                if (bound <= previousLe) {  // a reactor's first bucket
                    previousBucket = -1;
                }
                assertTrue(value >= previousBucket, "cumulative buckets: " + line);
                previousBucket = (long) value;
                previousLe = bound;
            }
        }
        String reactor0 = "{epoch=\"1\",reactor=\"0\"}";
        assertTrue(values.get("pagestore_writes_total" + reactor0) > 0, text);
        for (String direction : List.of("read", "write")) {
            String labels = "{epoch=\"1\",reactor=\"0\",direction=\"" + direction + "\"";
            assertEquals(values.get("pagestore_request_latency_seconds_count" + labels + "}"),
                    values.get("pagestore_request_latency_seconds_bucket" + labels + ",le=\"+Inf\"}"));
            // counters and buckets are read one by one while requests complete: equal only within a few
            double timed = values.get("pagestore_request_latency_seconds_count" + labels + "}");
            double answered = values.get("pagestore_" + direction + "s_total" + reactor0);
            assertTrue(timed > 0 && Math.abs(timed - answered) <= 0.1 * answered + 10,
                    direction + "s timed in their own histogram: " + timed + " of " + answered);
        }
        assertTrue(values.get("pagestore_checkpoints_total{epoch=\"1\"}") >= 1, text);
        assertTrue(values.get("pagestore_busy_seconds_total" + reactor0) > 0, text);
        assertTrue(values.get("pagestore_reaps_total" + reactor0) > 0, text);
        String worker = values.keySet().stream().filter(k -> k.startsWith("pagestore_worker_writes_total{"))
                .findFirst().orElseThrow();
        assertTrue(worker.contains("worker=\"formats-load\"") && worker.contains("pid=\""
                + ProcessHandle.current().pid() + "\""), worker);
        assertTrue(values.get(worker) > 0, text);
        assertTrue(values.get(worker.replace("worker_writes_total{", "worker_cache_hits_total{")) >= 0, text);
        assertTrue(values.get(worker.replace("worker_writes_total{", "worker_bytes_total{")
                .replace("}", ",direction=\"write\"}")) > 0, text);
    }
}

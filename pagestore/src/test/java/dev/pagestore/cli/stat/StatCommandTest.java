package dev.pagestore.cli.stat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.cli.PageStoreCli;
import dev.pagestore.client.ClientOptions;
import dev.pagestore.client.PageStoreClient;
import dev.pagestore.manager.ManagerConfig;
import dev.pagestore.manager.PageStoreManager;
import dev.pagestore.status.StatusRegionDescriptor;
import dev.pagestore.status.StatusView;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class StatCommandTest {
    @TempDir
    Path directory;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cli = PageStoreCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    @Test
    void shouldPrintOneReportOfARunningManager() throws Exception {
        try (PageStoreManager manager = PageStoreManager.start(ManagerConfig.defaults(directory)
                .withCapacityPages(1024).withCheckpointIntervalMillis(0));
                PageStoreClient client = PageStoreClient.attach(directory,
                        ClientOptions.defaults().withClientName("idle"))) {
            Thread writer = new Thread(() -> {
                try (PageStoreClient c = PageStoreClient.attach(directory,
                        ClientOptions.defaults().withClientName("busy"))) {
                    byte[] page = new byte[c.pageSizeBytes()];
                    long end = System.nanoTime() + 1_500_000_000L;
                    for (long p = 0; System.nanoTime() < end; p = (p + 1) % 1024) {
                        c.write(p, page);
                        c.read(p);
                    }
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
            writer.start();
            int code = run("stat", "--dir", directory.toString(), "--interval", "500ms", "--count", "1", "--workers");
            writer.join();
            assertEquals(0, code, err.toString());
            String text = out.toString();
            assertTrue(text.contains("manager pid " + ProcessHandle.current().pid()), text);
            assertTrue(text.contains("reactor 0"), text);
            assertTrue(text.matches("(?s).*workers 2 +WAL \\d+ fdatasyncs/s, mean batch [0-9.]+ records, per commit"
                    + " write \\d+ us \\+ fdatasync \\d+ us, segments zero-filled \\d+ recycled \\d+\n"
                    + "checkpoints \\d+ \\(\\d+ in the interval, last (none yet|\\d+s ago)\\), durable LSN \\d+,"
                    + " \\d+ [KM]iB of log to replay, \\d+ spare segment\\(s\\)\n"
                    + "control  attaches \\d+/s, refused 0/s \\(0 since start\\)\n.*"), text);
            try (StatusView status = StatusView.observe(directory)) {
                assertTrue(status.global(StatusRegionDescriptor.WAL_SYNC_NANOS) > 0, "the WAL's fdatasync time");
                assertEquals(2, status.global(StatusRegionDescriptor.ATTACHES), "two workers attached once each");
                assertEquals(0, status.global(StatusRegionDescriptor.CONTROL_REFUSALS), "an OBSERVE is no refusal");
                assertTrue(status.global(StatusRegionDescriptor.WAL_WRITE_NANOS) > 0, "the WAL's write time");
                assertEquals(0, status.global(StatusRegionDescriptor.WAL_SEGMENTS_RECYCLED),
                        "no checkpoint ran, so no spare was recycled");
                assertTrue(status.global(StatusRegionDescriptor.WAL_SEGMENTS_ZERO_FILLED) >= 1,
                        "the segment made at open is zero-filled");
            }
            String reactorLine = text.lines().filter(l -> l.startsWith("reactor 0")).findFirst().orElseThrow();
            String[] f = reactorLine.trim().split("\\s+");
            assertTrue(Double.parseDouble(f[3]) > 0, "writes/s in " + reactorLine);
            assertTrue(f[5].matches("[0-9.]+(ns|us|ms|s)"), "a p50 in " + reactorLine);
            assertTrue(Double.parseDouble(f[11]) > 0 && Double.parseDouble(f[12]) > 0,
                    "pages per doorbell and per reap in " + reactorLine);
            long pid = ProcessHandle.current().pid();
            String busy = text.lines().filter(l -> l.matches(pid + " +busy .*")).findFirst().orElseThrow();
            String[] w = busy.trim().split("\\s+");
            assertTrue(Double.parseDouble(w[5]) > 0 && Double.parseDouble(w[7]) > 0, "writes/s and MB/s: " + busy);
            String idle = text.lines().filter(l -> l.matches(pid + " +idle .*")).findFirst().orElseThrow();
            assertEquals("0", idle.trim().split("\\s+")[5], "the idle worker wrote nothing: " + idle);
        }
    }

    @Test
    void shouldGiveTheWalWritersTimePerCommitOrADashWithoutCommits() {
        assertEquals("write 12 us + fdatasync 600 us", StatText.perCommit(10, 120_000, 6_000_000));
        assertEquals("-", StatText.perCommit(0, 0, 0));
    }

    @Test
    void shouldExitWithNoFollowWhenTheManagerStops() throws Exception {
        AtomicInteger code = new AtomicInteger(-1);
        Thread stat;
        try (PageStoreManager manager = PageStoreManager.start(ManagerConfig.defaults(directory)
                .withCapacityPages(64).withCheckpointIntervalMillis(0))) {
            stat = Thread.ofPlatform().start(() -> code.set(run("stat", "--dir", directory.toString(), "--interval",
                    "100ms", "--count", "1000", "--no-follow", "--format", "json")));
            long until = System.nanoTime() + 30_000_000_000L;
            while (out.toString().isEmpty() && System.nanoTime() < until) {
                Thread.sleep(10);
            }
        }
        stat.join(30_000);
        assertEquals(1, code.get(), err.toString());
        assertTrue(err.toString().contains("manager pid " + ProcessHandle.current().pid() + " stopped"),
                err.toString());
        assertTrue(!err.toString().contains("waiting"), err.toString());
    }

    @Test
    void shouldSaySoWhenNoManagerRuns() {
        assertEquals(1, run("stat", "--dir", directory.toString(), "--count", "1"));
        assertTrue(err.toString().contains("no manager runs on " + directory), err.toString());
    }

    @Test
    void shouldRejectABadInterval() {
        assertEquals(2, run("stat", "--dir", directory.toString(), "--interval", "soon"));
    }
}

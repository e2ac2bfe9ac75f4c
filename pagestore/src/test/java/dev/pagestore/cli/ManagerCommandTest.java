package dev.pagestore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.client.ClientOptions;
import dev.pagestore.client.PageStoreClient;
import dev.pagestore.client.PageStoreException;
import dev.pagestore.manager.DataDirectoryLostException;
import dev.pagestore.manager.FailingLogDirectory;
import dev.pagestore.manager.ManagerConfig;
import dev.pagestore.manager.PageStoreManager;
import dev.pagestore.wal.WalFailedException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The {@code manager} subcommand: option handling, refusals, exit codes and the shutdown hook (running it as a
 * process is covered by MultiProcessTest and the {@code it} tests).
 */
class ManagerCommandTest {
    @TempDir
    Path directory;

    @Test
    void shouldParseCapacityWithBinarySuffixes() {
        assertEquals(1L << 30, ManagerCommand.parseBytes("--capacity", "1GiB"));
        assertEquals(64L << 20, ManagerCommand.parseBytes("--capacity", "64 MiB"));
        assertEquals(4096, ManagerCommand.parseBytes("--capacity", "4096"));
        assertEquals(2L << 40, ManagerCommand.parseBytes("--capacity", "2t"));
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> ManagerCommand.parseBytes("--capacity", "lots"));
        assertTrue(bad.getMessage().contains("--capacity lots"), bad.getMessage());
    }

    @Test
    void shouldRejectBadOptionsWithUsageExitCode() {
        assertEquals(2, run("manager", "--dir", directory.toString(), "--page-size", "3000"));
        assertEquals(2, run("manager", "--dir", directory.toString(), "--capacity", "1x"));
        assertEquals(2, run("manager", "--dir", directory.toString(), "--capacity", "1GiB", "--capacity-pages", "9"));
        assertEquals(2, run("manager", "--dir", directory.toString(), "--backend", "floppy"));
        StringWriter err = new StringWriter();
        assertEquals(2, run(err, "manager", "--dir", directory.toString(), "--wal-segment-size", "1500k"));
        assertTrue(err.toString().contains("walSegmentSizeBytes=1536000 must be a whole number of MiB from 1 MiB"),
                err.toString());
        err.getBuffer().setLength(0);
        assertEquals(2, run(err, "manager", "--dir", directory.toString(), "--wal-segment-size", "big"));
        assertTrue(err.toString().contains("--wal-segment-size big is not a size"), err.toString());
    }

    @Test
    void shouldRejectReplicationOptionsThatCannotBeMeantWithUsageExitCode() {
        String dir = directory.toString();
        String uri = "zk+hierarchical://127.0.0.1:1/ledgers";
        String[][] cases = {
            {"--standby", "--standby needs --replicate URI"},
            {"--quorum", "--quorum needs --replicate URI"},
            {"--session-timeout-ms", "--session-timeout-ms needs --replicate URI"},
            {"--ledger-size", "--ledger-size needs --replicate URI"},
        };
        for (String[] c : cases) {
            StringWriter err = new StringWriter();
            String[] args = c[0].equals("--standby") ? new String[] {"manager", "--dir", dir, c[0]}
                    : new String[] {"manager", "--dir", dir, c[0], c[0].equals("--quorum") ? "3/3/2" : "1000"};
            assertEquals(2, run(err, args), c[0]);
            assertTrue(err.toString().contains(c[1]), err.toString());
        }
        StringWriter err = new StringWriter();
        assertEquals(2, run(err, "manager", "--dir", dir, "--create", "--replicate", uri, "--standby"));
        assertTrue(err.toString().contains("a new standby needs --store ID"), err.toString());
        err.getBuffer().setLength(0);
        assertEquals(2, run(err, "manager", "--dir", dir, "--replicate", uri, "--standby", "--store", "notauuid"));
        assertTrue(err.toString().contains("--store 'notauuid' is not a store id"), err.toString());
        err.getBuffer().setLength(0);
        assertEquals(2, run(err, "manager", "--dir", dir, "--replicate", uri, "--store", UUID.randomUUID().toString()));
        assertTrue(err.toString().contains("add --standby"), err.toString());
        err.getBuffer().setLength(0);
        assertEquals(2, run(err, "manager", "--dir", dir, "--replicate", uri, "--quorum", "1/2/3"));
        assertTrue(err.toString().contains("is not ensemble >= write quorum >= ack quorum"), err.toString());
        err.getBuffer().setLength(0);
        assertEquals(2, run(err, "manager", "--dir", dir, "--replicate", "http://nowhere"));
        assertTrue(err.toString().contains("is not zk+hierarchical://HOST:PORT"), err.toString());
        err.getBuffer().setLength(0);
        assertEquals(2, run(err, "manager", "--dir", dir, "--replicate", uri, "--ledger-size", "64k"));
        assertTrue(err.toString().contains("--ledger-size 64k is under 1 MiB"), err.toString());
        err.getBuffer().setLength(0);
        assertEquals(2, run(err, "manager", "--dir", dir, "--replicate", uri, "--ledger-size", "lots"));
        assertTrue(err.toString().contains("--ledger-size lots is not a size"), err.toString());
    }

    @Test
    void shouldListManagerInHelp() {
        StringWriter out = new StringWriter();
        CommandLine commandLine = PageStoreCli.commandLine();
        commandLine.setOut(new PrintWriter(out));
        commandLine.execute("--help");
        assertTrue(out.toString().contains("manager"), out.toString());
    }

    @Test
    void shouldNameTheValueAndTheLimitOfACapacityTooLargeInsteadOfOverflowing() {
        StringWriter err = new StringWriter();
        assertEquals(2, run(err, "manager", "--dir", directory.toString(), "--capacity", "9000000TiB"));
        assertTrue(err.toString().contains("--capacity 9000000TiB is more than the largest store, 1 PiB"),
                err.toString());
        err.getBuffer().setLength(0);
        assertEquals(2, run(err, "manager", "--dir", directory.toString(), "--capacity-pages",
                Long.toString(Long.MAX_VALUE / 1024)));
        assertTrue(err.toString().contains("capacityPages=" + Long.MAX_VALUE / 1024) && err.toString().contains(
                "more than the largest store"), err.toString());
        err.getBuffer().setLength(0);
        assertEquals(2, run(err, "manager", "--dir", directory.toString(), "--capacity", "1000"));
        assertTrue(err.toString().contains("not a whole number of 4096-byte pages"), err.toString());
    }

    @Test
    void shouldRefuseADamagedStorePropertiesWithOneLineNamingTheFile() throws Exception {
        java.nio.file.Files.write(directory.resolve("store.properties"), new byte[] {'p', (byte) 0xFF, '\n'});
        StringWriter err = new StringWriter();
        assertEquals(1, run(err, "manager", "--dir", directory.toString()));
        assertTrue(err.toString().startsWith("pagestore manager: " + directory.resolve("store.properties")
                + " is not valid UTF-8"), err.toString());
        assertEquals(1, err.toString().strip().lines().count(), err.toString());
    }

    @Test
    void shouldListTheExitCodesInHelp() {
        StringWriter out = new StringWriter();
        CommandLine commandLine = PageStoreCli.commandLine();
        commandLine.setOut(new PrintWriter(out));
        commandLine.execute("manager", "--help");
        for (String code : new String[] {"Exit codes:", "  4 ", "shutdown checkpoint failed", "  5 ", "deleted",
                "  6 ", "internal failure", "--create"}) {
            assertTrue(out.toString().contains(code), code + " in " + out);
        }
    }

    /** Issue 14, B6: a mistyped path or an unmounted volume's empty mount point is refused, not made a new store. */
    @Test
    void shouldRefuseADirectoryThatHoldsNoStoreWithoutCreateAndMakeNothing() throws Exception {
        Path missing = directory.resolve("mistyped");
        StringWriter err = new StringWriter();
        assertEquals(1, run(err, "manager", "--dir", missing.toString()));
        assertEquals("pagestore manager: " + missing + " does not exist, so it holds no pagestore store; pass --create"
                + " to make a new one there", err.toString().strip());
        assertFalse(Files.exists(missing), "not created");

        Path mountPoint = Files.createDirectory(directory.resolve("mnt"));  // empty, as an unmounted volume's
        err.getBuffer().setLength(0);
        assertEquals(1, run(err, "manager", "--dir", mountPoint.toString()));
        assertEquals("pagestore manager: " + mountPoint.toRealPath() + " holds no pagestore store; pass --create to"
                + " make a new one there", err.toString().strip());
        try (Stream<Path> left = Files.list(mountPoint)) {
            assertEquals(List.of(), left.toList(), "nothing made in it, not even a .lock");
        }
    }

    @Test
    void shouldGiveEachWayAManagerStopsByItselfItsOwnExitCode() {
        assertEquals(0, ManagerCommand.exitCode(null, null));
        assertEquals(4, ManagerCommand.exitCode(null, new IOException("control file")));
        assertEquals(3, ManagerCommand.exitCode(new WalFailedException("fdatasync failed", null), null));
        assertEquals(5, ManagerCommand.exitCode(new DataDirectoryLostException("/x was deleted"), null));
        IllegalStateException reactorDied = new IllegalStateException("reactor 0 failed: java.lang.OutOfMemoryError");
        assertEquals(6, ManagerCommand.exitCode(reactorDied, null), "not a WAL failure");
        assertTrue(ManagerCommand.stoppedBecause(reactorDied).startsWith("an internal failure: "),
                ManagerCommand.stoppedBecause(reactorDied));
        assertTrue(ManagerCommand.stoppedBecause(new WalFailedException("x", null)).startsWith("the WAL failed"));
    }

    /**
     * The shutdown hook (SIGTERM) while a fatal failure's stop is under way: {@code close()} returns at once there, and
     * the hook used to halt the process in the middle of that stop. It waits for the stop to finish.
     */
    @Test
    void shouldWaitForAStopAFatalFailureBeganBeforeExiting() throws Exception {
        AtomicReference<FailingLogDirectory> wal = new AtomicReference<>();
        Path store = directory.resolve("store");
        PageStoreManager manager = FailingLogDirectory.start(ManagerConfig.defaults(store).withCapacityPages(64)
                .withCheckpointIntervalMillis(0), wal);
        CountDownLatch segmentsMayClose = new CountDownLatch(1);
        try {
            try (PageStoreClient client = PageStoreClient.attach(store, ClientOptions.defaults())) {
                client.write(1, new byte[4096]);
                wal.get().holdSegmentClosesUntil(segmentsMayClose);  // the stop will hang closing the WAL
                wal.get().failNextSegmentDatasyncs(1);
                assertThrows(PageStoreException.class, () -> client.write(2, new byte[4096]));
            }
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (manager.fatalCause() == null) {
                assertTrue(System.nanoTime() < deadline, "the WAL failure stops the manager");
                Thread.sleep(10);
            }
            AtomicInteger code = new AtomicInteger(-1);
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            Thread hook = new Thread(() -> code.set(ManagerCommand.stopForExit(manager, new PrintStream(err, true))));
            hook.start();
            hook.join(500);
            assertTrue(hook.isAlive(), "the hook waits while the fatal stop is still closing the WAL");
            assertFalse(manager.awaitStopped(0, TimeUnit.SECONDS));
            segmentsMayClose.countDown();
            hook.join(60_000);
            assertFalse(hook.isAlive());
            assertTrue(manager.awaitStopped(0, TimeUnit.SECONDS), "the hook returned only once the stop was over");
            assertEquals(3, code.get(), "the WAL failed: " + err);
        } finally {
            segmentsMayClose.countDown();
            manager.close();
        }
    }

    private static int run(String... args) {
        return run(new StringWriter(), args);
    }

    private static int run(StringWriter err, String... args) {
        CommandLine commandLine = PageStoreCli.commandLine();
        commandLine.setOut(new PrintWriter(new StringWriter()));
        commandLine.setErr(new PrintWriter(err, true));
        return commandLine.execute(args);
    }
}

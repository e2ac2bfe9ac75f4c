package dev.pagestore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The {@code manager} subcommand's option handling (running it is covered by MultiProcessTest). */
class ManagerCommandTest {
    @TempDir
    Path directory;

    @Test
    void shouldParseCapacityWithBinarySuffixes() {
        assertEquals(1L << 30, ManagerCommand.parseBytes("1GiB"));
        assertEquals(64L << 20, ManagerCommand.parseBytes("64 MiB"));
        assertEquals(4096, ManagerCommand.parseBytes("4096"));
        assertEquals(2L << 40, ManagerCommand.parseBytes("2t"));
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> ManagerCommand.parseBytes("lots"));
        assertTrue(bad.getMessage().contains("capacity=lots"), bad.getMessage());
    }

    @Test
    void shouldRejectBadOptionsWithUsageExitCode() {
        assertEquals(2, run("manager", "--dir", directory.toString(), "--page-size", "3000"));
        assertEquals(2, run("manager", "--dir", directory.toString(), "--capacity", "1x"));
        assertEquals(2, run("manager", "--dir", directory.toString(), "--capacity", "1GiB", "--capacity-pages", "9"));
        assertEquals(2, run("manager", "--dir", directory.toString(), "--backend", "floppy"));
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
        assertTrue(err.toString().contains("capacity=9000000TiB is more than the largest store, 1 PiB"),
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
        for (String code : new String[] {"Exit codes:", "  4 ", "shutdown checkpoint failed", "  5 ", "deleted"}) {
            assertTrue(out.toString().contains(code), code + " in " + out);
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

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

    private static int run(String... args) {
        CommandLine commandLine = PageStoreCli.commandLine();
        commandLine.setOut(new PrintWriter(new StringWriter()));
        commandLine.setErr(new PrintWriter(new StringWriter()));
        return commandLine.execute(args);
    }
}

package dev.pagestore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pagestore.ipc.linux.IoUringProbe;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Runs {@code pagestore} in process through picocli, with stdout and stderr captured. */
class DoctorCommandTest {

    @TempDir
    Path tempDir;

    /** What one run of the command printed and returned. */
    record Run(int exitCode, String out, String err) {
        String line(String prefix) {
            return out.lines().filter(line -> line.startsWith(prefix)).findFirst()
                    .orElseThrow(() -> new AssertionError("no line starting with '" + prefix + "' in:\n" + out));
        }

        /** The line starting with {@code prefix} and its indented continuation lines, joined with spaces. */
        String entry(String prefix) {
            StringBuilder entry = new StringBuilder();
            boolean inside = false;
            for (String line : out.lines().toList()) {
                if (line.startsWith(prefix)) {
                    inside = true;
                    entry.append(line.strip());
                } else if (inside && line.startsWith(" ") && !line.isBlank()) {
                    entry.append(' ').append(line.strip());
                } else if (inside) {
                    break;
                }
            }
            assertTrue(inside, () -> "no entry starting with '" + prefix + "' in:\n" + out);
            return entry.toString().replaceAll(" +", " ");
        }

        void assertNoStackTrace() {
            for (String text : new String[] {out, err}) {
                assertFalse(text.contains("Exception"), () -> "exception in output:\n" + text);
                assertFalse(text.contains("\tat "), () -> "stack trace in output:\n" + text);
            }
        }
    }

    static Run run(String... args) {
        CommandLine commandLine = PageStoreCli.commandLine();
        commandLine.setColorScheme(CommandLine.Help.defaultColorScheme(CommandLine.Help.Ansi.OFF));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        int exitCode = commandLine.execute(args);
        return new Run(exitCode, out.toString(), err.toString());
    }

    @Test
    void shouldReportIoUringAsTheKernelAnswersAndSharedMemoryPresent() {
        Run run = run("doctor", "--dir", tempDir.toString());

        run.assertNoStackTrace();
        assertTrue(run.line("[OK]   /dev/shm").contains("tmpfs"), run.out());
        // On this project's Linux 6.1+ machines io_uring is available; where a kernel or seccomp refuses it the
        // report must say so and name the fallback instead.
        if (IoUringProbe.run().available()) {
            assertTrue(run.line("[OK]   io_uring ").contains("available"), run.out());
            run.line("[OK]   io_uring setup flags");
        } else {
            assertTrue(run.entry("[WARN] io_uring ").contains("portable backend"), run.out());
        }
        assertTrue(run.out().contains("Java runtime"), run.out());
        assertEquals("", run.err());
    }

    @Test
    void shouldFailWithClearMessageAndExitOneWhenDataDirectoryDoesNotExist() {
        Path missing = tempDir.resolve("no-such-dir");

        Run run = run("doctor", "--dir", missing.toString());

        assertEquals(1, run.exitCode(), run.out());
        assertEquals("[FAIL] data directory          data directory " + missing + " does not exist",
                run.line("[FAIL] data directory"));
        assertTrue(run.entry("[FAIL] data directory").contains("→ create it with mkdir -p " + missing
                + " or pass --dir"), run.out());
        assertTrue(run.out().contains("1 failure"), run.out());
        run.assertNoStackTrace();
        assertFalse(Files.exists(missing), "the doctor must not create a named directory");
    }

    @Test
    void shouldExitZeroWhenNothingFails() {
        Run run = run("doctor", "--dir", tempDir.toString());

        assertFalse(run.out().contains("[FAIL]"), run.out());
        assertEquals(0, run.exitCode(), run.out());
    }

    @Test
    void shouldSayTmpfsIsNoPlaceForDataWhenDirIsDevShm() throws IOException {
        Path shm = Path.of("/dev/shm");
        assumeTrue(Files.isDirectory(shm) && Files.getFileStore(shm).type().equals("tmpfs"), "/dev/shm is tmpfs");

        Run run = run("doctor", "--dir", shm.toString());

        String entry = run.entry("[" + (run.out().contains("[FAIL] data directory") ? "FAIL" : "WARN")
                + "] data directory");
        // Before Linux 6.6 tmpfs refuses O_DIRECT (EINVAL); since then it accepts it, but keeps data in memory.
        assertTrue(entry.contains("/dev/shm on tmpfs refuses O_DIRECT (open: EINVAL")
                || entry.contains("/dev/shm on tmpfs: O_DIRECT works") && entry.contains("tmpfs keeps data in memory"),
                run.out());
        assertTrue(entry.contains("pass --dir with a directory on a local disk"), entry);
        run.assertNoStackTrace();
    }

    @Test
    void shouldListDoctorInHelp() {
        Run run = run("--help");

        assertEquals(0, run.exitCode());
        assertTrue(run.out().contains("Usage: pagestore"), run.out());
        assertTrue(run.out().contains("queue pair"), "help explains what pagestore is:\n" + run.out());
        assertTrue(run.out().lines().anyMatch(line -> line.matches("\\s+doctor\\s+Check what this machine.*")),
                run.out());
    }

    @Test
    void shouldExplainDoctorOptionsInItsHelp() {
        Run run = run("doctor", "--help");

        assertEquals(0, run.exitCode());
        assertTrue(run.out().contains("--dir=DIR"), run.out());
        assertTrue(run.out().contains("./pagestore-data"), run.out());
        assertTrue(run.out().contains("1   at least one check failed"), run.out());
    }

    @Test
    void shouldExitTwoWithUsageWhenNoCommandIsGiven() {
        Run run = run();

        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("Missing command: choose one of doctor"), run.err());
        assertTrue(run.err().contains("Usage: pagestore"), run.err());
    }

    @Test
    void shouldExitTwoOnUnknownOption() {
        Run run = run("doctor", "--no-such-option");

        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("Unknown option: '--no-such-option'"), run.err());
    }

    @Test
    void shouldPrintVersion() {
        Run run = run("--version");

        assertEquals(0, run.exitCode());
        assertTrue(run.out().startsWith("pagestore "), run.out());
        assertTrue(run.out().contains("Java " + Runtime.version()), run.out());
    }
}

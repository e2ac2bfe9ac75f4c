package dev.pagestore.torture.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The short version of every process loop and of the fault matrix, through the command line as an operator runs
 * them, each with its report; and the command's answers to bad arguments. The long runs and their figures are in
 * docs/RELIABILITY.md. The fault matrix's LOST_COMPLETION cell is the regression test of a page left unwritable
 * after a lost completion; the WAL loop's foreign segment, of another store's records applied.
 */
class TortureCommandTest {
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)  // a failed loop's stores and logs stay for its investigation
    Path scratch;

    private record Run(int exit, String out, String err) {
    }

    private Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        CommandLine line = new CommandLine(new TortureCommand(new PrintStream(out, true, StandardCharsets.UTF_8)));
        line.setErr(new PrintWriter(err));
        int exit = line.execute(args);
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString());
    }

    private void assertPassed(Run run, String loop) {
        assertEquals(0, run.exit(), run.out() + run.err());
        assertTrue(run.out().contains("PASS: every loop passed"), run.out());
        assertTrue(run.out().lines().anyMatch(l -> l.startsWith(loop) && l.contains("PASS")), run.out());
    }

    @Test
    void shouldPassTheShortProcessLoopsAndWriteTheReport() throws Exception {
        Path report = scratch.resolve("report.txt");
        Run run = run("--loops", "kill,fuzz,wal", "--iterations", "1", "--seed", "1", "--scratch",
                scratch.resolve("work").toString(), "--report", report.toString());
        assertPassed(run, "kill");
        assertTrue(run.out().contains("kills 1;"), run.out());
        assertTrue(run.out().contains("descriptors fuzzed 200,00"), run.out());
        assertTrue(run.out().contains("damaged logs 1;"), run.out());
        assertTrue(Files.readString(report).contains("PASS: every loop passed"));
    }

    @Test
    void shouldPassAShortSoak() {
        Run run = run("--loops", "soak", "--iterations", "2", "--soak-phase", "4s", "--seed", "2", "--scratch",
                scratch.resolve("work").toString());
        assertPassed(run, "soak");
        assertTrue(run.out().contains("phases 2;"), run.out());
    }

    @Test
    void shouldPassEveryCellOfTheFaultMatrix() {
        Run run = run("--loops", "faults", "--iterations", "1", "--seed", "3", "--scratch",
                scratch.resolve("work").toString());
        assertPassed(run, "faults");
        assertTrue(run.out().contains("cells 13;"), run.out());
        assertTrue(run.out().contains("wrong outcomes 0; hangs 0; stores that did not serve afterwards 0"), run.out());
    }

    @Test
    void shouldRefuseBadArgumentsWithExitTwoAndSayWhy() {
        Run duration = run("--duration", "soon");
        assertEquals(2, duration.exit());
        assertTrue(duration.err().contains("--duration soon is not a positive duration"), duration.err());
        Run loop = run("--loops", "power,melt");
        assertEquals(2, loop.exit());
        assertTrue(loop.err().contains("melt"), loop.err());
        Run iterations = run("--iterations", "0");
        assertEquals(2, iterations.exit());
        assertTrue(iterations.err().contains("--iterations 0 must be at least 1"), iterations.err());
    }
}

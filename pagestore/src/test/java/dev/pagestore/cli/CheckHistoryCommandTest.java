package dev.pagestore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.torture.HistoryFile;
import dev.pagestore.torture.PageOperation;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code pagestore check-history}: exit 0 for a linearizable history, 1 with the page for one that is not, 2 for bad
 * input.
 */
class CheckHistoryCommandTest {
    @TempDir
    Path directory;

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = PageStoreCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    private Path history(String name, PageOperation... ops) throws Exception {
        List<String> lines = new ArrayList<>();
        lines.add(HistoryFile.HEADER);
        for (PageOperation op : ops) {
            lines.add(HistoryFile.line(op));
        }
        return Files.write(directory.resolve(name), lines);
    }

    @Test
    void shouldPassALinearizableHistoryAndNameThePageOfOneThatIsNot() throws Exception {
        Path writer = history("writer", PageOperation.write(1, 3, 11, 100, 200, PageOperation.Outcome.OK),
                PageOperation.write(1, 4, 12, 100, 200, PageOperation.Outcome.UNKNOWN));
        Path reader = history("reader", PageOperation.read(2, 3, 11, 300, 400), PageOperation.read(2, 4, 0, 300, 400));
        Run good = run("check-history", writer.toString(), reader.toString());
        assertEquals(0, good.code(), good.err());
        assertTrue(good.out().contains("4 operations on 2 pages"), good.out());

        Path stale = history("stale", PageOperation.read(3, 3, 0, 500, 600));
        Run bad = run("check-history", writer.toString(), reader.toString(), stale.toString());
        assertEquals(1, bad.code(), bad.err());
        assertTrue(bad.out().contains("page 3:"), bad.out());
        assertTrue(bad.out().contains("3 3 r 0 500 600 ok"), "the violating operations are printed: " + bad.out());
    }

    @Test
    void shouldRefuseMalformedInputNamingTheFileAndLine() throws Exception {
        Path noHeader = Files.writeString(directory.resolve("plain"), "1 3 w 11 100 200 ok\n");
        Run r1 = run("check-history", noHeader.toString());
        assertEquals(2, r1.code());
        assertTrue(r1.err().contains("plain:1: not a pagestore history"), r1.err());

        Path badLine = Files.writeString(directory.resolve("bad"), HistoryFile.HEADER + "\n# a comment\n"
                + "1 3 w 11 200 100 ok\n");
        Run r2 = run("check-history", badLine.toString());
        assertEquals(2, r2.code());
        assertTrue(r2.err().contains("bad:3:") && r2.err().contains("completeNanos=100"), r2.err());

        Path twice = history("twice", PageOperation.write(1, 3, 11, 100, 200, PageOperation.Outcome.OK),
                PageOperation.write(1, 3, 11, 300, 400, PageOperation.Outcome.OK));
        assertEquals(2, run("check-history", twice.toString()).code(), "one value written twice");
        Run missing = run("check-history", directory.resolve("missing").toString());
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("missing: no such file"), missing.err());
        assertEquals(2, run("check-history", "--show", "-1", twice.toString()).code());
    }
}

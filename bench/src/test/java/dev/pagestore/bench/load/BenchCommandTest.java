package dev.pagestore.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The command line: help, and every bad value refused with exit code 2 and a message naming it, before any work. */
class BenchCommandTest {
    @TempDir
    Path directory;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        var cli = BenchCommand.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    @Test
    void helpExplainsEveryOptionAndItsDefault() {
        assertEquals(0, run("--help"));
        String help = out.toString();
        for (String option : List.of("--dir", "--workers", "--depth", "--duration", "--warmup", "--read-percent",
                "--pages", "--skew", "--theta", "--cache-mb", "--sync", "--page-size", "--runs", "--compare", "--json",
                "--manager-opt", "--seed", "--keep", "--fio-sync")) {
            assertTrue(help.contains(option), option + " missing from:\n" + help);
        }
        assertTrue(help.contains("(default 4)") && help.contains("(default 0.99, YCSB's)"), help);
        assertTrue(help.contains("Exit codes:"), help);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "--workers=0|--workers=0 must be in [1, 256]",
            "--depth=65|--depth=65 must be in [1, 64]",
            "--sync --workers=8 --depth=64|is more than the 256 attachments a manager allows",
            "--duration=0|--duration=0.0 must be in (0, 86400] seconds",
            "--warmup=-1|--warmup=-1.0 must be in [0, 86400] seconds",
            "--read-percent=101|--read-percent=101 must be in [0, 100]",
            "--pages=0|--pages=0 must be in [1, 2147483647]",
            "--skew=zipfian --theta=1|--theta=1.0 must be between 0 and 1",
            "--cache-mb=-1|--cache-mb=-1 must be in [0, 65536]",
            "--page-size=3000|--page-size=3000 must be 4096, 8192 or 16384",
            "--runs=0|--runs=0 must be in [1, 1000]",
            "--manager-opt=--capacity=1GiB|the bench sets --capacity itself",
            "--manager-opt=reactors|is not an option",
            "--skew=pareto|Invalid value for option '--skew'",
            "--compare=postgres|Invalid value for option '--compare'",
            "--fio-sync=fsync|Invalid value for option '--fio-sync'",
            "--workers=many|Invalid value for option '--workers'",
            "--no-such-option|Unknown option"})
    void shouldRefuseABadValueWithExitCode2AndSayWhy(String arguments, String message) {
        List<String> args = new ArrayList<>(Arrays.asList(arguments.split(" ")));
        Path scratch = directory.resolve("scratch");
        args.add("--dir=" + scratch);
        assertEquals(2, run(args.toArray(String[]::new)), err.toString());
        assertTrue(err.toString().contains(message), "expected '" + message + "' in: " + err);
        assertTrue(err.toString().contains("pagestore bench"), err.toString());
        assertTrue(Files.notExists(scratch), "nothing is made for a refused command line");
    }

    @Test
    void shouldRefuseADirectoryThatIsNotEmptyAndLeaveItAlone() throws Exception {
        Path precious = Files.createDirectories(directory.resolve("precious"));
        Files.writeString(precious.resolve("thesis.txt"), "do not delete");
        assertEquals(2, run("--dir", precious.toString()));
        assertTrue(err.toString().contains("is not empty; give a new or empty directory"), err.toString());
        assertEquals("do not delete", Files.readString(precious.resolve("thesis.txt")));
        try (var entries = Files.list(precious)) {
            assertEquals(1, entries.count());
        }
    }

    @Test
    void shouldRefuseAFileAndADirectoryWhoseParentIsMissing() throws Exception {
        Path file = Files.writeString(directory.resolve("file"), "x");
        assertEquals(2, run("--dir", file.toString()));
        assertTrue(err.toString().contains("is not a directory"), err.toString());
        assertEquals(2, run("--dir", directory.resolve("missing/scratch").toString()));
        assertTrue(err.toString().contains("its parent"), err.toString());
        assertTrue(Files.notExists(directory.resolve("missing")));
    }
}

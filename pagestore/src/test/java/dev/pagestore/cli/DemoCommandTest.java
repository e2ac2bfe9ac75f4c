package dev.pagestore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The main job end to end, short: real manager and worker processes, a SIGKILL of the manager, PASS. */
class DemoCommandTest {
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
    void shouldLoseNoAcknowledgedWriteAcrossAManagerKillAndReport() throws Exception {
        Path data = directory.resolve("data");
        long start = System.nanoTime();
        int code = run("demo", "--dir", data.toString(), "--seconds", "6", "--pages", "1024");
        String text = out.toString();
        System.out.println(text);
        System.out.printf("demo test took %.1f s%n", (System.nanoTime() - start) / 1e9);
        assertEquals(0, code, text + err);
        assertTrue(text.contains("PASS: no acknowledged write was lost"), text);
        assertTrue(text.contains("manager SIGKILLed at 3.0 s"), text);
        assertTrue(text.matches("(?s).*verification +1,024 pages read from a fresh client: [1-9][0-9,]* with"
                + " acknowledged writes.*"), text);
        assertTrue(text.matches("(?s).*hit rate [0-9.]+% \\([1-9].*"), "some cache hits: " + text);
        assertTrue(text.matches("(?s).*per commit write [0-9]+ us \\+ fdatasync [0-9]+ us.*"),
                "the WAL's time in write and fdatasync: " + text);
        // The run's stat capture follows the restarted manager: both epochs are in it, with the workers' rows.
        List<String> capture = Files.readAllLines(data.resolve("logs").resolve("stat.jsonl"));
        assertTrue(text.contains("status capture  " + data.resolve("logs").resolve("stat.jsonl") + ": "
                + capture.size() + " reports"), text);
        assertTrue(capture.stream().anyMatch(l -> l.contains("\"epoch\":1,"))
                && capture.stream().anyMatch(l -> l.contains("\"epoch\":2,")), "both managers: " + capture);
        assertTrue(capture.stream().anyMatch(l -> l.contains("\"name\":\"demo-worker-")), "workers' rows: " + capture);
    }

    @Test
    void shouldRefuseToEmptyADirectoryThatIsNotAStore() throws Exception {
        Path precious = Files.createDirectories(directory.resolve("precious"));
        Files.writeString(precious.resolve("thesis.txt"), "do not delete");
        assertEquals(2, run("demo", "--dir", precious.toString(), "--seconds", "1"));
        assertTrue(err.toString().contains("is neither empty nor a demo's directory"), err.toString());
        assertTrue(Files.exists(precious.resolve("thesis.txt")));
    }
}

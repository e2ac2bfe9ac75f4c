package dev.pagestore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code pagestore cluster}'s refusals, which start no process: exit 1 with one line saying why, 2 for a bad command
 * line. A running cluster is replication's LocalClusterTest's.
 */
class ClusterCommandTest {
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

    @Test
    void shouldRefuseADirectoryThatHoldsSomethingElse() throws Exception {
        Files.writeString(directory.resolve("store.dat"), "someone's data");
        Run run = run("cluster", "--dir", directory.toString());
        assertEquals(ClusterCommand.EXIT_NOT_STARTED, run.code(), run.err());
        assertTrue(run.err().contains("refused") && run.err().contains("is not empty"), run.err());
        try (var entries = Files.list(directory)) {
            assertEquals(List.of(directory.resolve("store.dat")), entries.toList());
        }
    }

    @Test
    void shouldRefuseADirectoryWhoseClusterIsRunningAndNameItsLauncher() throws Exception {
        try (FileChannel lockFile = FileChannel.open(directory.resolve("cluster.lock"), StandardOpenOption.CREATE,
                StandardOpenOption.READ, StandardOpenOption.WRITE);
             FileLock held = lockFile.lock()) {
            assertTrue(held.isValid());
            lockFile.write(ByteBuffer.wrap("4242\n".getBytes(StandardCharsets.UTF_8)), 0);
            Run run = run("cluster", "--dir", directory.toString());
            assertEquals(ClusterCommand.EXIT_NOT_STARTED, run.code(), run.err());
            assertTrue(run.err().contains("already running") && run.err().contains("pid 4242"), run.err());
        }
    }

    @Test
    void shouldRejectABookieCountOutOfRange() {
        Run run = run("cluster", "--dir", directory.resolve("new").toString(), "--bookies", "0");
        assertEquals(ClusterCommand.EXIT_USAGE, run.code(), run.err());
        assertTrue(run.err().contains("--bookies 0 is not from 1 to 9"), run.err());
    }
}

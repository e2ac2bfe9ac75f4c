package dev.pagestore.ipc.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.ipc.testing.Processes;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A child that watches its parent ends when the parent is killed, and at once when the parent is already gone. */
class ParentWatchTest {
    private static List<String> javaCommand(String... args) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElseThrow());
        command.add("--enable-native-access=ALL-UNNAMED");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(LinuxTestChild.class.getName());
        command.addAll(List.of(args));
        return command;
    }

    @Test
    void shouldEndTheChildWhenItsParentIsKilled() throws Exception {
        // sh is the parent: it starts the watching JVM with its own pid ($$), prints the JVM's pid, and waits.
        StringBuilder script = new StringBuilder();
        for (String word : javaCommand("parent-watch")) {
            script.append('\'').append(word.replace("'", "'\\''")).append("' ");
        }
        script.append("$$ & echo $!; wait");
        Process shell = new ProcessBuilder("sh", "-c", script.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(shell.getInputStream(),
                StandardCharsets.UTF_8))) {
            long childPid = Long.parseLong(out.readLine().trim());
            assertEquals("ready", out.readLine());
            assertTrue(Processes.isRunning(childPid));
            shell.destroyForcibly();  // kill -9 of the parent: it stops nothing itself
            shell.waitFor();
            assertTrue(Processes.awaitEnd(childPid, 10_000), "the child outlived its parent by 10 s");
        } finally {
            shell.destroyForcibly();
        }
    }

    @Test
    void shouldEndTheChildAtOnceWhenTheParentIsAlreadyGone() throws Exception {
        // a pid that is not this JVM's: the child's parent is this JVM, so the watch fires before "ready"
        Process child = new ProcessBuilder(javaCommand("parent-watch", "1")).redirectError(
                ProcessBuilder.Redirect.INHERIT).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                StandardCharsets.UTF_8))) {
            assertEquals("parent gone", out.readLine());
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
            assertEquals(7, child.exitValue());
        } finally {
            child.destroyForcibly();
        }
    }
}

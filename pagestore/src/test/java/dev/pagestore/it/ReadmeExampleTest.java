package dev.pagestore.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.manager.ManagerConfig;
import dev.pagestore.manager.PageStoreManager;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worker in client/README.md, taken from the README itself, compiled against the client artifact and what it
 * depends on (nothing of the manager), and run as its own process against a live manager: the example a new user
 * copies compiles and works.
 */
class ReadmeExampleTest {
    private static final Pattern JAVA_BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);

    @TempDir
    Path scratch;

    @Test
    void shouldCompileAndRunTheClientReadmesWorkerAgainstAManager() throws Exception {
        String source = exampleSource(Path.of("..", "client", "README.md"));
        Path sources = Files.createDirectories(scratch.resolve("src"));
        Path classes = Files.createDirectories(scratch.resolve("classes"));
        Files.writeString(sources.resolve("Example.java"), source);
        String classPath = clientClassPath();

        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        int compiled = javac.run(null, null, null, "-d", classes.toString(), "-cp", classPath,
                sources.resolve("Example.java").toString());
        assertEquals(0, compiled, "the README's example does not compile against the client artifact alone");

        Path store = scratch.resolve("store");
        try (PageStoreManager manager = PageStoreManager.start(ManagerConfig.defaults(store).withCapacityPages(64)
                .withCheckpointIntervalMillis(0))) {
            String java = ProcessHandle.current().info().command().orElseThrow();
            Process worker = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                    classes + File.pathSeparator + classPath, "Example", store.toString())
                    .redirectErrorStream(true).start();
            if (!worker.waitFor(60, TimeUnit.SECONDS)) {
                worker.destroyForcibly();
                throw new AssertionError("the example did not finish in 60 s");
            }
            String output = new String(worker.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, worker.exitValue(), output);
            assertTrue(output.contains("page 7 starts with 42; read 3 pages; page 9 has 4096 bytes"), output);
        }
    }

    /** The README's Java block that declares {@code Example}. */
    private static String exampleSource(Path readme) throws Exception {
        Matcher blocks = JAVA_BLOCK.matcher(Files.readString(readme));
        while (blocks.find()) {
            if (blocks.group(1).contains("public class Example")) {
                return blocks.group(1);
            }
        }
        throw new AssertionError(readme + " has no ```java block declaring public class Example");
    }

    /** The client, ipc and their third-party dependencies from this test's class path; nothing of the manager. */
    private static String clientClassPath() {
        List<String> kept = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            String name = entry.replace('\\', '/');
            boolean client = name.contains("/client/target/") || name.contains("pagestore-client");
            boolean ipc = (name.contains("/ipc/target/") || name.contains("pagestore-ipc")) && !name.contains("test");
            boolean library = Arrays.stream(new String[] {"caffeine", "slf4j-api", "jspecify", "error_prone"})
                    .anyMatch(name::contains);
            if (client || ipc || library) {
                kept.add(entry);
            }
        }
        assertTrue(kept.stream().anyMatch(e -> e.contains("client")), "no client artifact on " + kept);
        return kept.stream().collect(Collectors.joining(File.pathSeparator));
    }
}

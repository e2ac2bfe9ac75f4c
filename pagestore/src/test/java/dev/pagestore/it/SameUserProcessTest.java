package dev.pagestore.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pagestore.cli.PageStoreCli;
import dev.pagestore.ipc.linux.LibcProcesses;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Issue 14, item 3, for the attacker the socket's permissions cannot stop: another process of the manager's own user
 * (here all three run as uid 65534 through {@code setpriv}, since root may read anything). It finds no file of that user in
 * {@code /dev/shm}, cannot list or open the manager's descriptors or memory (the manager is non-dumpable), finds no
 * channel descriptor in the worker (the worker closes its copies once mapped) and cannot open the worker's mapped
 * memfds through {@code /proc/PID/map_files} (that takes {@code CAP_SYS_ADMIN}). What it can still do on a kernel
 * without Yama, read a dumpable worker's whole memory through {@code /proc/PID/mem}, is printed, not asserted (it is
 * the kernel's rule, written down in docs/SECURITY.md); a worker that called
 * {@link dev.pagestore.client.PageStoreClient#protectProcessMemory()} is closed to that too. Needs root and {@code setpriv}; skipped otherwise, saying why.
 */
class SameUserProcessTest {
    private static final String UID = "65534";

    @Test
    void shouldKeepTheManagersAndWorkersSharedMemoryFromAnotherProcessOfTheSameUser() throws Exception {
        assumeTrue(LibcProcesses.geteuid() == 0, "needs root to run three processes as uid " + UID);
        Path setpriv = Stream.of("/usr/bin/setpriv", "/bin/setpriv").map(Path::of).filter(Files::isExecutable)
                .findFirst().orElse(null);
        assumeTrue(setpriv != null, "setpriv (util-linux) is not installed");
        Path root = Files.createTempDirectory("pagestore-same-user");
        List<Process> processes = new ArrayList<>();
        try {
            Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
            String classPath = readableCopyOfClassPath(root.resolve("cp"));
            Path store = Files.createDirectory(root.resolve("store"));
            chown(store);
            Process manager = start(processes, setpriv, classPath, PageStoreCli.class.getName(), "manager", "--dir",
                    store.toString(), "--create", "--capacity-pages", "1024", "--checkpoint-interval-ms", "0");
            String ready = awaitLine(manager, "pagestore manager pid");
            assumeTrue(ready != null, "the manager could not run as uid " + UID);
            Process worker = start(processes, setpriv, classPath, IdleWorkerMain.class.getName(), store.toString());
            assertNotNull(awaitLine(worker, "ATTACHED"), "a worker of the same user attaches");
            Map<String, String> found = snoop(processes, setpriv, classPath, manager, worker);
            assertEquals("AccessDeniedException", found.get("managerFdList"), "the manager's descriptors");
            assertEquals("EACCES", found.get("managerMemOpen"), "the manager's memory");
            assertEquals("list:AccessDeniedException", found.get("managerMemfdOpen"), "the manager's memfds");
            assertEquals("0", found.get("devShmNamesOfThisUser"), "no file of this user under /dev/shm");
            assertEquals("0", found.get("workerMemfdDescriptors"), "the worker keeps no channel descriptor");
            String mapped = found.get("workerMappedMemfdOpen");
            assertEquals(true, mapped.equals("EPERM") || mapped.equals("list:AccessDeniedException"),
                    "the worker's mapped memfds through map_files: " + mapped);

            // A worker that asked for it is as closed to its own user as the manager.
            Process protectedWorker = start(processes, setpriv, classPath, IdleWorkerMain.class.getName(),
                    store.toString(), "protect");
            assertNotNull(awaitLine(protectedWorker, "ATTACHED"), "a protected worker attaches");
            Map<String, String> again = snoop(processes, setpriv, classPath, manager, protectedWorker);
            assertEquals("EACCES", again.get("workerMemOpen"), "a protected worker's memory");
        } finally {
            for (Process process : processes) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
            try (Stream<Path> files = Files.walk(root)) {
                for (Path path : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(path);
                }
            }
        }
    }

    private static Map<String, String> snoop(List<Process> processes, Path setpriv, String classPath, Process manager,
            Process worker) throws IOException {
        Process snoop = start(processes, setpriv, classPath, SnoopMain.class.getName(),
                Long.toString(manager.pid()), Long.toString(worker.pid()));
        Map<String, String> found = new HashMap<>();
        String line;
        BufferedReader out = reader(snoop);
        while ((line = out.readLine()) != null && !line.equals("DONE")) {
            System.out.println("snoop: " + line);
            int eq = line.indexOf('=');
            if (eq > 0) {
                found.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return found;
    }

    /** Copies every class path entry into {@code directory}, readable by anyone (this JVM's may be under /root). */
    private static String readableCopyOfClassPath(Path directory) throws IOException {
        Files.createDirectories(directory);
        List<String> entries = new ArrayList<>();
        int n = 0;
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path source = Path.of(entry);
            if (!Files.exists(source)) {
                continue;
            }
            Path target = directory.resolve((n++) + "-" + source.getFileName());
            if (Files.isDirectory(source)) {
                try (Stream<Path> walk = Files.walk(source)) {
                    for (Path file : walk.toList()) {
                        Path copy = target.resolve(source.relativize(file).toString());
                        if (Files.isDirectory(file)) {
                            Files.createDirectories(copy);
                        } else {
                            Files.copy(file, copy, StandardCopyOption.REPLACE_EXISTING);
                        }
                    }
                }
            } else {
                Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
            }
            entries.add(target.toString());
        }
        try (Stream<Path> walk = Files.walk(directory)) {
            for (Path path : walk.toList()) {
                Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(
                        Files.isDirectory(path) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
        return String.join(File.pathSeparator, entries);
    }

    private static void chown(Path path) throws Exception {
        Process chown = new ProcessBuilder("chown", UID + ":" + UID, path.toString()).inheritIO().start();
        assertEquals(0, chown.waitFor(), "chown " + path);
    }

    private static Process start(List<Process> processes, Path setpriv, String classPath, String main,
            String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(setpriv.toString(), "--reuid=" + UID, "--regid=" + UID,
                "--clear-groups", ProcessHandle.current().info().command().orElseThrow(), "-XX:-UsePerfData",
                "--enable-native-access=ALL-UNNAMED", "-cp", classPath, main));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        processes.add(process);
        return process;
    }

    private static BufferedReader reader(Process process) {
        return new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    private static String awaitLine(Process process, String prefix) throws IOException {
        BufferedReader out = reader(process);
        String line;
        while ((line = out.readLine()) != null) {
            if (line.startsWith(prefix)) {
                return line;
            }
        }
        return null;
    }
}

package dev.pagestore.it;

import dev.pagestore.ipc.linux.Errno;
import dev.pagestore.ipc.linux.LibcFiles;
import dev.pagestore.ipc.linux.LibcProcesses;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A process of the same user as the manager and a worker that tries to reach their shared memory from outside the
 * protocol ({@link SameUserProcessTest}): {@code MANAGER_PID WORKER_PID}. Prints one {@code name=result} per line:
 * the manager's descriptor table and memory, what {@code /dev/shm} holds, the worker's descriptors, and the worker's
 * mapped files; then {@code DONE}.
 */
public final class SnoopMain {
    private SnoopMain() {
    }

    public static void main(String[] args) throws Exception {
        String manager = args[0];
        String worker = args[1];
        System.out.println("managerFdList=" + list("/proc/" + manager + "/fd"));
        System.out.println("managerMemOpen=" + open("/proc/" + manager + "/mem"));
        System.out.println("managerMemfdOpen=" + openAll("/proc/" + manager + "/fd", "memfd:pagestore"));
        System.out.println("devShmNamesOfThisUser=" + namesOfThisUser());
        System.out.println("workerMemfdDescriptors=" + countLinks("/proc/" + worker + "/fd", "memfd:pagestore"));
        System.out.println("workerMappedMemfdOpen=" + openAll("/proc/" + worker + "/map_files", "memfd:pagestore"));
        System.out.println("workerMemOpen=" + open("/proc/" + worker + "/mem"));
        System.out.println("DONE");
        System.out.flush();
    }

    private static String list(String directory) {
        try (Stream<Path> entries = Files.list(Path.of(directory))) {
            return "OK(" + entries.count() + ")";
        } catch (IOException e) {
            return e.getClass().getSimpleName();
        }
    }

    private static String open(String path) {
        int fd = LibcFiles.open(path, LibcFiles.O_RDONLY | LibcFiles.O_CLOEXEC, 0);
        if (fd < 0) {
            return Errno.of(-fd).name();
        }
        LibcFiles.close(fd);
        return "OK";
    }

    /** Opens every entry of {@code directory} whose link names {@code target}: "none" when there is none. */
    private static String openAll(String directory, String target) {
        List<String> results = new ArrayList<>();
        try (Stream<Path> entries = Files.list(Path.of(directory))) {
            for (Path entry : entries.toList()) {
                String link;
                try {
                    link = Files.readSymbolicLink(entry).toString();
                } catch (IOException e) {
                    continue;
                }
                if (link.contains(target)) {
                    results.add(open(entry.toString()));
                }
            }
        } catch (IOException e) {
            return "list:" + e.getClass().getSimpleName();
        }
        return results.isEmpty() ? "none" : String.join(",", results.stream().distinct().toList());
    }

    private static String countLinks(String directory, String target) {
        try (Stream<Path> entries = Files.list(Path.of(directory))) {
            return Long.toString(entries.filter(entry -> {
                try {
                    return Files.readSymbolicLink(entry).toString().contains(target);
                } catch (IOException e) {
                    return false;
                }
            }).count());
        } catch (IOException e) {
            return e.getClass().getSimpleName();
        }
    }

    /** How many files under /dev/shm belong to this process's user (the manager's and the worker's user too). */
    private static long namesOfThisUser() throws IOException {
        int uid = LibcProcesses.geteuid();
        try (Stream<Path> entries = Files.list(Path.of("/dev/shm"))) {
            return entries.filter(p -> {
                try {
                    return ((Integer) Files.getAttribute(p, "unix:uid", java.nio.file.LinkOption.NOFOLLOW_LINKS))
                            == uid;
                } catch (IOException e) {
                    return false;
                }
            }).count();
        }
    }
}

package dev.pagestore.cli.doctor;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * {@code fio} on the PATH: the benchmarks run it on the same file, queue depth and block size to measure the device
 * ceiling the store is compared against (DESIGN.md §8). Only the benchmarks need it.
 */
public final class FioCheck {
    public static final String NAME = "fio";

    private FioCheck() {
    }

    public static Check run() {
        return of(System.getenv("PATH"));
    }

    /** The check for a {@code PATH} value ({@code null} or empty means nothing is on the path). */
    public static Check of(String pathEnv) {
        Optional<Path> fio = find("fio", pathEnv);
        if (fio.isPresent()) {
            return Check.ok(NAME, "found at " + fio.get());
        }
        return Check.warn(NAME, "not on PATH (the benchmarks use it to measure the device's ceiling)",
                "apt-get install fio (dnf install fio on Fedora/RHEL)");
    }

    static Optional<Path> find(String program, String pathEnv) {
        if (pathEnv == null || pathEnv.isEmpty()) {
            return Optional.empty();
        }
        for (String entry : pathEnv.split(File.pathSeparator)) {
            if (entry.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(entry, program);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }
}

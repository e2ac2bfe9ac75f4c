package dev.pagestore.torture.loop;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * What the manager process holds at one moment: resident memory, descriptors, threads, and what it leaves in the file
 * system ({@code /dev/shm} entries named for pagestore, WAL segments). A soak's samples must not grow beyond their
 * bounds.
 */
record ResourceSample(long rssKiB, long descriptors, long threads, long shmEntries, long walSegments) {

    static ResourceSample of(long pid, Path walDirectory) throws IOException {
        long rss = 0;
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                rss = Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return new ResourceSample(rss, count(Path.of("/proc", Long.toString(pid), "fd")),
                count(Path.of("/proc", Long.toString(pid), "task")), countMatching(Path.of("/dev/shm"),
                        ".*pagestore.*"),
                countMatching(walDirectory, "[0-9a-f]{16}\\.wal"));
    }

    static ResourceSample max(ResourceSample a, ResourceSample b) {
        return a == null ? b : new ResourceSample(Math.max(a.rssKiB, b.rssKiB), Math.max(a.descriptors,
                b.descriptors), Math.max(a.threads, b.threads), Math.max(a.shmEntries, b.shmEntries),
                Math.max(a.walSegments, b.walSegments));
    }

    /**
     * What of {@code later} grew beyond {@code earlier} (both maxima over part of a run), or null: memory by more than
     * a quarter and 32 MiB, descriptors, threads and {@code /dev/shm} entries by more than 4, segments by more than 1.
     */
    static String growth(ResourceSample earlier, ResourceSample later) {
        StringBuilder grew = new StringBuilder();
        if (later.rssKiB > earlier.rssKiB * 5 / 4 + 32 * 1024) {
            grew.append(" resident memory ").append(earlier.rssKiB).append(" -> ").append(later.rssKiB).append(" KiB;");
        }
        if (later.descriptors > earlier.descriptors + 4) {
            grew.append(" descriptors ").append(earlier.descriptors).append(" -> ").append(later.descriptors)
                    .append(';');
        }
        if (later.threads > earlier.threads + 4) {
            grew.append(" threads ").append(earlier.threads).append(" -> ").append(later.threads).append(';');
        }
        if (later.shmEntries > earlier.shmEntries + 4) {
            grew.append(" /dev/shm entries ").append(earlier.shmEntries).append(" -> ").append(later.shmEntries)
                    .append(';');
        }
        if (later.walSegments > earlier.walSegments + 1) {
            grew.append(" WAL segments ").append(earlier.walSegments).append(" -> ").append(later.walSegments)
                    .append(';');
        }
        return grew.isEmpty() ? null : grew.toString().trim();
    }

    private static long count(Path directory) throws IOException {
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.count();
        }
    }

    private static long countMatching(Path directory, String regex) throws IOException {
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.filter(p -> p.getFileName().toString().matches(regex)).count();
        }
    }
}

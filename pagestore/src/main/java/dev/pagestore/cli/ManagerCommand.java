package dev.pagestore.cli;

import dev.pagestore.manager.DeviceFactory;
import dev.pagestore.manager.ManagerAlreadyRunningException;
import dev.pagestore.manager.ManagerConfig;
import dev.pagestore.manager.PageStoreManager;
import dev.pagestore.manager.StoreMetadata;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code pagestore manager --dir DIR ...}: runs the manager of a data directory until SIGTERM (or SIGINT), then
 * drains, checkpoints and exits 0.
 */
@Command(name = "manager",
        mixinStandardHelpOptions = true,
        description = {"Run the manager of a data directory: the one process that owns the data file, the queue"
                + " pairs and the WAL. Workers attach through DIR/manager.sock. Stops cleanly on SIGTERM.",
                "Page size and capacity default to those the directory was created with (else 4096 and 1 GiB)."})
public final class ManagerCommand implements Callable<Integer> {
    /** Exit code when the manager stopped itself because the WAL failed. */
    static final int EXIT_WAL_FAILED = 3;

    @Option(names = "--dir", required = true, description = "Data directory (created when missing).")
    Path directory;

    @Option(names = "--page-size", description = "Page size in bytes: 4096, 8192 or 16384.")
    Integer pageSizeBytes;

    @Option(names = "--capacity-pages", description = "Capacity in pages.")
    Long capacityPages;

    @Option(names = "--capacity", description = "Capacity in bytes, with an optional KiB/MiB/GiB/TiB suffix.")
    String capacity;

    @Option(names = "--reactors", defaultValue = "1", description = "Reactor threads, one queue pair each.")
    int reactors;

    @Option(names = "--queue-depth", defaultValue = "64", description = "Commands per queue pair.")
    int queueDepth;

    @Option(names = "--backend", defaultValue = "auto",
            description = "Device backend: auto (io_uring where the kernel offers it, else portable), io_uring,"
                    + " portable or simulated (default ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = "--wal-io", defaultValue = "auto",
            description = "How the WAL writer moves log data, always through a queue pair it owns unless 'file':"
                    + " auto (portable for the io_uring and portable backends), portable (synchronous pwrite and"
                    + " fdatasync on the writer thread), io_uring (an io_uring ring), or file (plain calls, no queue"
                    + " pair) (default ${DEFAULT-VALUE}).")
    String walIo;

    @Option(names = "--pin", description = "Pin reactors to CPUs (only when there are more than reactors + 2).")
    boolean pin;

    @Option(names = "--checkpoint-interval-ms", defaultValue = "30000",
            description = "Time between periodic checkpoints (0: only at shutdown).")
    long checkpointIntervalMillis;

    @Override
    public Integer call() throws Exception {
        Optional<StoreMetadata> existing = StoreMetadata.read(directory.toAbsolutePath());
        int pageSize = pageSizeBytes != null ? pageSizeBytes
                : existing.map(StoreMetadata::pageSizeBytes).orElse(ManagerConfig.DEFAULT_PAGE_SIZE);
        long pages;
        if (capacityPages != null && capacity != null) {
            System.err.println("pagestore manager: give --capacity-pages or --capacity, not both");
            return 2;
        } else if (capacityPages != null) {
            pages = capacityPages;
        } else if (capacity != null) {
            try {
                pages = parseBytes(capacity) / pageSize;
            } catch (IllegalArgumentException e) {
                System.err.println("pagestore manager: " + e.getMessage());
                return 2;
            }
        } else {
            pages = existing.map(StoreMetadata::capacityPages)
                    .orElse(ManagerConfig.DEFAULT_CAPACITY_PAGES * ManagerConfig.DEFAULT_PAGE_SIZE / pageSize);
        }
        ManagerConfig config;
        try {
            config = ManagerConfig.defaults(directory).withPageSizeBytes(pageSize).withCapacityPages(pages)
                    .withReactorCount(reactors).withQueueDepth(queueDepth).withBackend(DeviceFactory.named(backend))
                    .withPin(pin).withCheckpointIntervalMillis(checkpointIntervalMillis).withWalIo(walIo);
        } catch (IllegalArgumentException e) {
            System.err.println("pagestore manager: " + e.getMessage());
            return 2;
        }
        PageStoreManager manager;
        try {
            manager = PageStoreManager.start(config);
        } catch (ManagerAlreadyRunningException | IllegalArgumentException e) {
            System.err.println("pagestore manager: " + e.getMessage());
            return 1;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            manager.close();
            // SIGTERM handled: a clean stop exits 0 (not 143); a stop forced by a WAL failure exits 3.
            Runtime.getRuntime().halt(manager.fatalCause() == null ? 0 : EXIT_WAL_FAILED);
        }, "pagestore-shutdown"));
        System.out.println("pagestore manager pid " + ProcessHandle.current().pid() + " ready on "
                + manager.socketPath());
        System.out.flush();
        while (!manager.awaitStopped(1, TimeUnit.SECONDS)) {
            // runs until SIGTERM (the hook above) or a fatal WAL failure (the manager stops itself)
        }
        if (manager.fatalCause() == null) {
            return 0;  // stopped by the shutdown hook, which sets the exit code itself
        }
        System.err.println("pagestore manager: stopped after a WAL failure: " + manager.fatalCause());
        return EXIT_WAL_FAILED;
    }

    static long parseBytes(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        long unit = 1;
        String[][] suffixes = {{"tib", "1099511627776"}, {"gib", "1073741824"}, {"mib", "1048576"}, {"kib", "1024"},
                {"t", "1099511627776"}, {"g", "1073741824"}, {"m", "1048576"}, {"k", "1024"}, {"b", "1"}};
        for (String[] suffix : suffixes) {
            if (t.endsWith(suffix[0])) {
                unit = Long.parseLong(suffix[1]);
                t = t.substring(0, t.length() - suffix[0].length()).trim();
                break;
            }
        }
        try {
            return Math.multiplyExact(Long.parseLong(t), unit);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("capacity=" + text + " is not a size like 1GiB or 4096");
        }
    }
}

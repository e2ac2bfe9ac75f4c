package dev.pagestore.cli;

import dev.pagestore.ipc.linux.ParentWatch;
import dev.pagestore.manager.DataDirectoryLostException;
import dev.pagestore.manager.DeviceFactory;
import dev.pagestore.manager.ManagerAlreadyRunningException;
import dev.pagestore.manager.ManagerConfig;
import dev.pagestore.manager.PageStoreManager;
import dev.pagestore.manager.StoreMetadata;
import dev.pagestore.manager.StandbySeed;
import dev.pagestore.manager.StoreRefusedException;
import dev.pagestore.manager.WalDirectoryFactory;
import dev.pagestore.replication.ReplicationConfig;
import dev.pagestore.wal.WalFailedException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code pagestore manager --dir DIR ...}: runs the manager of a data directory until SIGTERM (or SIGINT), then
 * drains, checkpoints and exits 0, or with one of the codes below when something went wrong.
 */
@Command(name = "manager",
        mixinStandardHelpOptions = true,
        description = {"Run the manager of a data directory: the one process that owns the data file, the queue"
                + " pairs and the WAL. Workers attach through DIR/manager.sock. Stops cleanly on SIGTERM.",
                "A new store is made only with --create, and only in an empty or new directory (owner-only): without"
                        + " it, a DIR that holds no store is refused, so that a mistyped path or an unmounted volume's"
                        + " empty mount point is never served as a new, empty store. Page size and capacity default to"
                        + " those of the store in DIR; a new store gets 4096 and 1 GiB. A start checks everything"
                        + " before it changes anything, and refuses with one line saying what is wrong and what to"
                        + " do."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
                "0:stopped by SIGTERM or SIGINT after a clean shutdown checkpoint",
                "1:did not start. Refused (another manager runs on DIR, DIR holds no store and --create was not"
                        + " given, or DIR or its files cannot be served safely; the message says what to do): nothing"
                        + " in DIR changed. Or could not start (the message says 'could not start'): what the start"
                        + " did before the failure, a later start does too",
                "2:a bad command line",
                "3:the WAL failed (a write or fdatasync): stopped; the next start recovers from the log",
                "4:stopped by SIGTERM or SIGINT, but the shutdown checkpoint failed: the next start replays the WAL",
                "5:DIR was deleted, moved or replaced under the manager: it stopped at once",
                "6:an internal failure (a reactor or the control thread died): stopped at once; the next start"
                        + " recovers from the log; please report it with the manager's log"})
public final class ManagerCommand implements Callable<Integer> {
    static final int EXIT_REFUSED = 1;
    static final int EXIT_USAGE = 2;
    /** Exit code when the manager stopped itself because the WAL failed. */
    static final int EXIT_WAL_FAILED = 3;
    /** Exit code when a stop by signal could not checkpoint (the data is safe in the WAL, but say so). */
    static final int EXIT_CHECKPOINT_FAILED = 4;
    /** Exit code when the manager stopped itself because its directory was deleted, moved or replaced. */
    static final int EXIT_DIRECTORY_LOST = 5;
    /** Exit code when the manager stopped itself because a thread of its own died (a reactor, the control thread). */
    static final int EXIT_INTERNAL_FAILURE = 6;
    /**
     * How long the shutdown hook waits for a stop to finish, its own or one a fatal failure began: a drain (15 s a
     * reactor at most) and the shutdown checkpoint, which waits up to 30 s for data writes in flight.
     */
    static final long STOP_WAIT_SECONDS = 120;

    @Option(names = "--dir", required = true, description = "Data directory: a store's, or, with --create, one to"
            + " make a new store in (created owner-only when missing, used only when empty).")
    Path directory;

    @Option(names = "--create", description = "Make a new store when DIR holds none (DIR missing or empty). Without"
            + " it such a DIR is refused; on a DIR holding a store it changes nothing.")
    boolean create;

    @Option(names = "--page-size", description = "Page size in bytes: 4096, 8192 or 16384.")
    Integer pageSizeBytes;

    @Option(names = "--capacity-pages", description = "Capacity in pages.")
    Long capacityPages;

    @Option(names = "--capacity", description = "Capacity in bytes, with an optional KiB/MiB/GiB/TiB suffix.")
    String capacity;

    @Option(names = "--wal-segment-size", paramLabel = "SIZE",
            description = "Size of each WAL segment file of a new store: whole MiB from 1 MiB (2 MiB for 8 KiB"
                    + " pages, 3 MiB for 16 KiB) to 1 GiB, with an optional KiB/MiB/GiB suffix (default: 64 MiB)."
                    + " An existing store keeps the size it was created with (the manager's log says so when this"
                    + " differs).")
    String walSegmentSize;

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

    @Option(names = "--version-buckets", defaultValue = "0", paramLabel = "N",
            description = "Buckets of the page-version table that keeps workers' page caches coherent: a power of two"
                    + " up to 4194304; a write to any page of a bucket drops the cached copies of all its pages."
                    + " 0 (the default): one per 16 pages of the store, at least 65536.")
    int versionBuckets;

    @Option(names = "--exit-with-parent", paramLabel = "PID",
            description = "Stop (as on SIGTERM) once process PID, which must be the one that started this manager,"
                    + " has ended, however it ended: for supervisors that may be killed (the demo uses it).")
    Long parentPid;

    @Option(names = "--replicate", paramLabel = "URI",
            description = "Replicate the WAL through Apache BookKeeper: URI is the metadata service,"
                    + " zk+hierarchical://HOST:PORT/ledgers ('pagestore cluster' starts a local one and prints it). A"
                    + " write is acknowledged once the local log and the ack quorum of bookies hold it. Only a new"
                    + " store (--create) starts replicating, and a replicated store always starts with it.")
    String replicate;

    @Option(names = "--quorum", paramLabel = "E/W/A", defaultValue = "3/3/2",
            description = "With --replicate: each ledger's ensemble, write quorum and ack quorum"
                    + " (default ${DEFAULT-VALUE}).")
    String quorum;

    @Option(names = "--standby", description = "With --replicate: start as a standby that applies the primary's"
            + " ledgers to this store and serves reads (writes are answered READ_ONLY), and takes the store over when"
            + " the primary's ZooKeeper session ends. A new standby needs --create and --store.")
    boolean standby;

    @Option(names = "--store", paramLabel = "ID", description = "With --standby --create: the id of the store to"
            + " follow (the primary logs it); the new standby is made with its page size and capacity.")
    String storeId;

    @Option(names = "--session-timeout-ms", paramLabel = "MS", defaultValue = "4000",
            description = "With --replicate: the ZooKeeper session; a primary gone this long is taken for dead and"
                    + " its standby takes over (default ${DEFAULT-VALUE}).")
    long sessionTimeoutMillis;

    @Option(names = "--ledger-size", paramLabel = "SIZE",
            description = "With --replicate: go on in a new ledger at the first checkpoint after the current one"
                    + " holds this much, with an optional KiB/MiB/GiB suffix (default: 64 MiB; at least 1 MiB).")
    String ledgerSize;

    @Spec
    CommandSpec spec;

    private java.io.PrintWriter err() {
        return spec.commandLine().getErr();
    }

    @Override
    public Integer call() throws Exception {
        if (parentPid != null) {
            if (parentPid <= 0) {
                err().println("pagestore manager: --exit-with-parent " + parentPid + " is not a process id");
                return EXIT_USAGE;
            }
            long parent = parentPid;
            ParentWatch.start(parent, () -> {
                err().println("pagestore manager: process " + parent + ", which started it, has ended:"
                        + " stopping");
                System.exit(0);  // the shutdown hook stops the manager as on SIGTERM and sets the exit code
            });
        }
        ReplicationConfig replication;
        try {
            replication = replication();
        } catch (IllegalArgumentException e) {
            err().println("pagestore manager: " + e.getMessage());
            return EXIT_USAGE;
        }
        if (replication != null && standby && storeId != null) {
            try {
                StandbySeed.seed(directory, replication, UUID.fromString(storeId), create);
            } catch (IOException e) {
                err().println("pagestore manager: " + e.getMessage());
                return EXIT_REFUSED;
            }
        }
        Optional<StoreMetadata> existing;
        try {
            existing = Files.isDirectory(directory) ? StoreMetadata.read(directory.toAbsolutePath())
                    : Optional.empty();
        } catch (IOException e) {
            err().println("pagestore manager: " + e.getMessage());
            return EXIT_REFUSED;
        }
        int pageSize = pageSizeBytes != null ? pageSizeBytes
                : existing.map(StoreMetadata::pageSizeBytes).orElse(ManagerConfig.DEFAULT_PAGE_SIZE);
        long pages;
        if (capacityPages != null && capacity != null) {
            err().println("pagestore manager: give --capacity-pages or --capacity, not both");
            return EXIT_USAGE;
        } else if (capacityPages != null) {
            pages = capacityPages;
        } else if (capacity != null) {
            try {
                long bytes = parseBytes("--capacity", capacity);
                if (bytes < pageSize || bytes % pageSize != 0) {
                    err().println("pagestore manager: --capacity " + capacity + " is not a whole number of "
                            + pageSize + "-byte pages: give a multiple of the page size");
                    return EXIT_USAGE;
                }
                pages = bytes / pageSize;
            } catch (IllegalArgumentException e) {
                err().println("pagestore manager: " + e.getMessage());
                return EXIT_USAGE;
            }
        } else {
            pages = existing.map(StoreMetadata::targetCapacityPages)
                    .orElse(ManagerConfig.DEFAULT_CAPACITY_PAGES * ManagerConfig.DEFAULT_PAGE_SIZE / pageSize);
        }
        ManagerConfig config;
        try {
            long segmentSize = walSegmentSize == null ? ManagerConfig.DEFAULT_WAL_SEGMENT_SIZE_BYTES
                    : parseBytes("--wal-segment-size", walSegmentSize);
            config = ManagerConfig.defaults(directory).withWalSegmentSizeBytes(segmentSize)
                    .withPageSizeBytes(pageSize).withCapacityPages(pages)
                    .withReactorCount(reactors).withQueueDepth(queueDepth).withBackend(DeviceFactory.named(backend))
                    .withPin(pin).withCheckpointIntervalMillis(checkpointIntervalMillis)
                    .withVersionBucketCount(versionBuckets)
                    .withWalIo(WalDirectoryFactory.named(walIo)).withCreateStore(create)
                    .withReplication(replication);
        } catch (IllegalArgumentException e) {
            err().println("pagestore manager: " + e.getMessage());
            return EXIT_USAGE;
        }
        PageStoreManager manager;
        try {
            manager = PageStoreManager.start(config);
        } catch (ManagerAlreadyRunningException | StoreRefusedException | IllegalArgumentException e) {
            err().println("pagestore manager: " + e.getMessage());
            return EXIT_REFUSED;
        } catch (IOException e) {
            err().println("pagestore manager: could not start on " + directory + ": " + e.getMessage());
            return EXIT_REFUSED;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            // SIGTERM handled: a clean stop exits 0 (not 143), anything else with its own code and one line
            int code = stopForExit(manager, System.err);
            System.err.flush();
            Runtime.getRuntime().halt(code);
        }, "pagestore-shutdown"));
        System.out.println("pagestore manager pid " + ProcessHandle.current().pid() + " ready on "
                + manager.socketPath());
        System.out.flush();
        while (!manager.awaitStopped(1, TimeUnit.SECONDS)) {
            // runs until SIGTERM (the hook above), or a fatal WAL failure or the loss of DIR (it stops itself)
        }
        if (manager.fatalCause() == null) {
            return 0;  // stopped by the shutdown hook, which sets the exit code itself
        }
        System.err.println("pagestore manager: stopped: " + stoppedBecause(manager.fatalCause()));
        return exitCode(manager.fatalCause(), manager.shutdownCheckpointFailure());
    }

    /**
     * What the shutdown hook does before it halts: stops the manager, or, when another thread is already stopping it
     * (after a fatal failure: {@code close()} then returns at once), waits for that stop to finish, so that the
     * process never halts while the manager still drains or checkpoints. Returns the exit code, and writes the line
     * that goes with it to {@code err}.
     */
    static int stopForExit(PageStoreManager manager, java.io.PrintStream err) {
        manager.close();
        boolean stopped;
        try {
            stopped = manager.awaitStopped(STOP_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopped = false;
        }
        int code = exitCode(manager.fatalCause(), manager.shutdownCheckpointFailure());
        if (!stopped) {
            err.println("pagestore manager: the stop did not finish within " + STOP_WAIT_SECONDS + " s; exiting"
                    + " anyway: nothing is lost, the next start replays the WAL");
            return code != 0 ? code : EXIT_CHECKPOINT_FAILED;
        }
        if (code == EXIT_CHECKPOINT_FAILED) {
            err.println("pagestore manager: the shutdown checkpoint failed (" + manager.shutdownCheckpointFailure()
                    + "); nothing is lost, the next start replays the WAL");
        }
        return code;
    }

    /**
     * The exit code for a manager that has stopped (see the command's exit code list), from its
     * {@link PageStoreManager#fatalCause()} and {@link PageStoreManager#shutdownCheckpointFailure()}.
     */
    static int exitCode(Throwable fatal, Throwable shutdownCheckpointFailure) {
        if (fatal instanceof DataDirectoryLostException) {
            return EXIT_DIRECTORY_LOST;
        }
        if (fatal instanceof WalFailedException) {
            return EXIT_WAL_FAILED;
        }
        if (fatal != null) {
            return EXIT_INTERNAL_FAILURE;
        }
        return shutdownCheckpointFailure != null ? EXIT_CHECKPOINT_FAILED : 0;
    }

    /** Why a manager stopped by itself, for its last line. */
    static String stoppedBecause(Throwable fatal) {
        if (fatal instanceof DataDirectoryLostException) {
            return fatal.getMessage();
        }
        if (fatal instanceof WalFailedException) {
            return "the WAL failed: " + fatal;
        }
        return "an internal failure: " + fatal + "; the next start recovers from the log; please report it with the"
                + " manager's log";
    }

    /** {@code text}, a size like 1GiB, 64m or 4096, in bytes; {@code option} names it in the error. */
    static long parseBytes(String option, String text) {
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
        long value;
        try {
            value = Long.parseLong(t);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " " + text + " is not a size like 1GiB or 4096");
        }
        if (value < 0 || value > ManagerConfig.CAPACITY_BYTES_MAX / unit) {
            throw new IllegalArgumentException(option + " " + text + " is " + (value < 0 ? "negative" : "more than"
                    + " the largest store, 1 PiB (" + ManagerConfig.CAPACITY_BYTES_MAX + " bytes)"));
        }
        return value * unit;
    }

    /** The replication the options ask for, or null; a standby's options without --replicate are a usage error. */
    private ReplicationConfig replication() {
        var parsed = spec.commandLine().getParseResult();
        if (replicate == null) {
            for (String option : new String[] {"--standby", "--store", "--quorum", "--session-timeout-ms",
                    "--ledger-size"}) {
                if (parsed.hasMatchedOption(option)) {
                    throw new IllegalArgumentException(option + " needs --replicate URI");
                }
            }
            return null;
        }
        if (storeId != null && !standby) {
            throw new IllegalArgumentException("--store names the store a new standby follows: add --standby");
        }
        if (standby && storeId == null && !Files.exists(directory.resolve(StoreMetadata.FILE))) {
            throw new IllegalArgumentException("a new standby needs --store ID, the id of the store it follows (its"
                    + " primary logs it)");
        }
        if (storeId != null) {
            try {
                UUID.fromString(storeId);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--store '" + storeId + "' is not a store id (a UUID)");
            }
        }
        long rollBytes = ledgerSize == null ? ReplicationConfig.DEFAULT_LEDGER_ROLL_BYTES
                : parseBytes("--ledger-size", ledgerSize);
        if (rollBytes < 1 << 20) {
            throw new IllegalArgumentException("--ledger-size " + ledgerSize + " is under 1 MiB, the largest entry");
        }
        return ReplicationConfig.of(replicate).withQuorum(quorum).withStandby(standby)
                .withSessionTimeout(java.time.Duration.ofMillis(sessionTimeoutMillis)).withLedgerRollBytes(rollBytes);
    }
}

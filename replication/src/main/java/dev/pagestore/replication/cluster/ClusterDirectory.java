package dev.pagestore.replication.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * A cluster directory, held by one launcher at a time:
 * <pre>
 * DIR/cluster.properties       the ports and the bookie count ({@link ClusterRecord})
 * DIR/cluster.lock             locked while a launcher runs the cluster; holds its pid
 * DIR/conf/zookeeper.cfg       written at each start from the record
 * DIR/conf/bookie-I.conf
 * DIR/zk/                      ZooKeeper's snapshots and transaction log
 * DIR/bookie-I/journal/        bookie I's journal and
 * DIR/bookie-I/ledgers/        its entry logs and index
 * DIR/logs/NAME.log            each child's stdout and stderr, appended to across starts
 * </pre>
 *
 * <h2>Why a foreign directory is refused</h2>
 * A mistyped {@code --dir} pointing at a directory with something else in it would get ZooKeeper and bookie files
 * sprinkled through it; so a DIR that exists must be empty or hold {@code cluster.properties}.
 *
 * <h2>Why an OS lock</h2>
 * Two launchers on one DIR would start two ZooKeepers on one data directory and two bookies on one journal. The
 * lock of {@code cluster.lock} ({@code fcntl}) is released by the kernel when the launcher dies however it dies, so
 * a stale lock never blocks a start; child JVMs do not inherit it (the JDK closes a child's other descriptors).
 * Within one JVM the directories held are also kept in {@link #HELD}, checked before the lock file is opened: POSIX
 * drops a process's {@code fcntl} locks on a file when it closes <em>any</em> descriptor of it, so a refused second
 * open in the same JVM would otherwise unlock the first.
 */
final class ClusterDirectory implements AutoCloseable {
    static final String PROPERTIES = "cluster.properties";
    static final String LOCK = "cluster.lock";

    /** The directories this JVM holds. */
    private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

    private final Path root;
    private final FileChannel lockChannel;
    private final FileLock lock;

    private ClusterDirectory(Path root, FileChannel lockChannel, FileLock lock) {
        this.root = root;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /**
     * Makes {@code directory} (owner-only) when missing, checks that it is new, empty or a cluster directory, and locks
     * it.
     *
     * @throws ClusterRefusedException when it is something else, or another launcher holds it
     */
    static ClusterDirectory lock(Path directory) throws IOException {
        Path root = directory.toAbsolutePath().normalize();
        if (Files.exists(root) && !Files.isDirectory(root)) {
            throw new ClusterRefusedException(root + " is not a directory: give a new or empty directory for the"
                    + " cluster, or one a previous start made");
        }
        if (Files.isDirectory(root) && !Files.exists(root.resolve(PROPERTIES)) && !isEmptyButLock(root)) {
            throw new ClusterRefusedException(root + " is not empty and holds no " + PROPERTIES + ": it is not a"
                    + " cluster directory; give a new or empty directory, or one a previous start made");
        }
        try {
            Files.createDirectories(root.getParent());
            Files.createDirectory(root, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(
                    "rwx------")));
        } catch (FileAlreadyExistsException e) {
            // checked above: an empty directory or ours
        }
        if (!HELD.add(root)) {
            throw new ClusterRefusedException("a cluster is already running in " + root + " (launcher pid "
                    + ProcessHandle.current().pid() + ", this process): close it first");
        }
        FileChannel channel = null;
        boolean success = false;
        try {
            channel = FileChannel.open(root.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;  // another channel of this JVM holds it (not through this class)
            }
            if (lock == null) {
                throw new ClusterRefusedException("a cluster is already running in " + root + " (launcher pid "
                        + lockHolder(channel) + "): stop it first (Ctrl-C, or kill -TERM that pid)");
            }
            channel.truncate(0);
            channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8)),
                    0);
            ClusterDirectory held = new ClusterDirectory(root, channel, lock);
            success = true;
            return held;
        } finally {
            if (!success) {
                HELD.remove(root);
                if (channel != null) {
                    channel.close();
                }
            }
        }
    }

    /** True when {@code root} is empty, or holds only a lock file (a start that stopped before it wrote a record). */
    private static boolean isEmptyButLock(Path root) throws IOException {
        try (Stream<Path> entries = Files.list(root)) {
            return entries.allMatch(entry -> entry.getFileName().toString().equals(LOCK));
        }
    }

    private static String lockHolder(FileChannel channel) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(32);
        channel.read(buffer, 0);
        String text = new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8).trim();
        return text.isEmpty() ? "unknown" : text;
    }

    /** The record of an earlier start, or empty for a new cluster. */
    Optional<ClusterRecord> readRecord() throws IOException {
        Path file = root.resolve(PROPERTIES);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        Properties properties = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            properties.load(in);
        }
        return Optional.of(ClusterRecord.fromProperties(properties, file.toString()));
    }

    /** Replaces the record atomically: a crash leaves the old one or the new one. */
    void writeRecord(ClusterRecord record) throws IOException {
        Path temporary = root.resolve(PROPERTIES + ".tmp");
        try (OutputStream out = Files.newOutputStream(temporary)) {
            record.toProperties().store(out, "pagestore local cluster: the ports are pinned by the bookies' cookies");
        }
        Files.move(temporary, root.resolve(PROPERTIES), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
    }

    Path root() {
        return root;
    }

    Path zookeeperData() {
        return root.resolve("zk");
    }

    Path bookieJournal(int index) {
        return root.resolve("bookie-" + index).resolve("journal");
    }

    Path bookieLedgers(int index) {
        return root.resolve("bookie-" + index).resolve("ledgers");
    }

    Path config(String fileName) {
        return root.resolve("conf").resolve(fileName);
    }

    Path log(String processName) {
        return root.resolve("logs").resolve(processName + ".log");
    }

    /** Makes the directories the children need (their parents of config and log files included). */
    void createLayout(int bookieCount) throws IOException {
        for (Path path : List.of(zookeeperData(), root.resolve("conf"), root.resolve("logs"))) {
            Files.createDirectories(path);
        }
        for (int i = 0; i < bookieCount; i++) {
            Files.createDirectories(bookieJournal(i));
            Files.createDirectories(bookieLedgers(i));
        }
    }

    /** Releases the lock: another launcher may start the cluster now. */
    @Override
    public void close() throws IOException {
        try (lockChannel) {
            lock.release();
        } finally {
            HELD.remove(root);
        }
    }
}

package dev.pagestore.replication.cluster;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.apache.bookkeeper.client.BookKeeperAdmin;
import org.apache.bookkeeper.conf.ServerConfiguration;
import org.apache.zookeeper.KeeperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A ZooKeeper server and N bookies on this machine, each its own JVM, for tests and the demo: not for production
 * (one disk, one power domain, every address 127.0.0.1). Clients reach it through {@link #metadataServiceUri()}.
 *
 * <h2>Processes, not threads</h2>
 * BookKeeper's {@code LocalBookKeeper} runs everything in one JVM, fixes ZooKeeper on port 2181 and wipes the bookies
 * at each start. Here each bookie is a process, so a test can {@link #killBookie kill one with SIGKILL} as a machine
 * would lose it, and the cluster directory ({@link ClusterDirectory}) survives restarts: the same DIR is the same
 * cluster, on the same ports ({@link ClusterRecord}).
 *
 * <h2>No orphans</h2>
 * {@link #close()} stops the bookies (SIGTERM: they unregister), then ZooKeeper, and waits for each; a shutdown hook
 * does the same when this JVM is stopped by a signal; and each child ends by itself when this JVM is killed outright
 * ({@link ChildMain}).
 *
 * <p>Thread-safe: the methods are serialised, except that {@link #close()} also makes a wait in progress (a start,
 * {@link #startBookie}) give up.
 */
public final class LocalCluster implements AutoCloseable {
    public static final int DEFAULT_BOOKIE_COUNT = 3;
    public static final int BOOKIE_COUNT_MAX = 9;
    /** How long a start waits for ZooKeeper to answer and the bookies to register (JVM starts on a busy machine). */
    static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    /** How long a child may take to stop on SIGTERM before it is killed. */
    static final Duration STOP_GRACE = Duration.ofSeconds(15);
    private static final long POLL_MILLIS = 50;
    private static final Logger LOG = LoggerFactory.getLogger(LocalCluster.class);

    private final ClusterDirectory directory;
    private final ServiceProcess zookeeper;
    private final List<ServiceProcess> bookies = new ArrayList<>();
    private final Thread shutdownHook = new Thread(this::close, "local-cluster-stop");
    private final ClusterRecord record;
    private RegistrationProbe probe;
    private volatile boolean closing;
    private boolean closed;

    private LocalCluster(ClusterDirectory directory, ClusterRecord record) throws IOException {
        this.directory = directory;
        this.record = record;
        this.zookeeper = new ServiceProcess("zookeeper", record.zookeeperPort(), directory.log("zookeeper"),
                ChildCommand.zookeeper(ServiceConfigs.writeZookeeper(directory, record)));
        for (int i = 0; i < record.bookieCount(); i++) {
            String name = "bookie-" + i;
            bookies.add(new ServiceProcess(name, record.bookiePorts().get(i), directory.log(name),
                    ChildCommand.bookie(name, ServiceConfigs.writeBookie(directory, record, i))));
        }
    }

    /**
     * Starts the cluster in {@code directory}: the one recorded there, or a new one of
     * {@value #DEFAULT_BOOKIE_COUNT} bookies when the directory is new or empty. Returns once ZooKeeper answers
     * and every bookie is registered as writable.
     *
     * @throws ClusterRefusedException when the directory is not a cluster directory, or a cluster runs in it
     * @throws IOException             when a process did not start or get ready (the message names its log)
     */
    public static LocalCluster start(Path directory) throws IOException, InterruptedException {
        return start(directory, OptionalInt.empty());
    }

    /**
     * Starts the cluster of {@code bookieCount} bookies in {@code directory}, as {@link #start(Path)} does; a
     * directory holding a cluster of another size is refused.
     */
    public static LocalCluster start(Path directory, int bookieCount) throws IOException, InterruptedException {
        if (bookieCount < 1 || bookieCount > BOOKIE_COUNT_MAX) {
            throw new IllegalArgumentException("bookieCount=" + bookieCount + " is not from 1 to " + BOOKIE_COUNT_MAX);
        }
        return start(directory, OptionalInt.of(bookieCount));
    }

    private static LocalCluster start(Path path, OptionalInt bookieCount) throws IOException, InterruptedException {
        if (path.toAbsolutePath().toString().contains(",")) {  // one-line argument check
            throw new IllegalArgumentException("directory=" + path + " has a comma, which BookKeeper's configuration"
                    + " reads as a list separator");
        }
        ClusterDirectory directory = ClusterDirectory.lock(path);
        LocalCluster cluster = null;
        boolean success = false;
        try {
            Optional<ClusterRecord> existing = directory.readRecord();
            if (existing.isPresent() && bookieCount.isPresent()
                    && existing.get().bookieCount() != bookieCount.getAsInt()) {
                throw new ClusterRefusedException(directory.root() + " holds a cluster of "
                        + existing.get().bookieCount() + " bookies, not " + bookieCount.getAsInt()
                        + ": start it with that count, or give a new directory");
            }
            ClusterRecord record = existing.isPresent() ? existing.get()
                    : ClusterRecord.pickFreePorts(bookieCount.orElse(DEFAULT_BOOKIE_COUNT));
            directory.createLayout(record.bookieCount());
            if (existing.isEmpty()) {
                directory.writeRecord(record);
            }
            cluster = new LocalCluster(directory, record);
            cluster.startAll();
            success = true;
            return cluster;
        } finally {
            if (!success) {
                if (cluster != null) {
                    cluster.close();
                } else {
                    directory.close();
                }
            }
        }
    }

    private void startAll() throws IOException, InterruptedException {
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        long startNanos = System.nanoTime();
        synchronized (this) {
            zookeeper.start();
            await(zookeeper, "serving on port " + record.zookeeperPort(), startNanos,
                    () -> RegistrationProbe.isServing(record.zookeeperPort()));
            probe = RegistrationProbe.open(zookeeperConnectString());
            await(zookeeper, "answering", startNanos, probe::isConnected);
            if (!record.metadataInitialized()) {
                initializeMetadata();
                directory.writeRecord(record.withMetadataInitialized());
            }
            List<OptionalLong> staleOwners = new ArrayList<>();
            for (int i = 0; i < bookies.size(); i++) {
                staleOwners.add(registrationOwner(i));
            }
            for (ServiceProcess bookie : bookies) {
                bookie.start();
            }
            for (int i = 0; i < bookies.size(); i++) {
                awaitWritable(i, staleOwners.get(i), startNanos);
            }
        }
        LOG.info("local cluster in {} ready in {} ms: {} bookies, metadata service {}", directory.root(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos), bookies.size(), metadataServiceUri());
    }

    /** BookKeeper's metadata in ZooKeeper, made once per cluster (before any bookie starts: a bookie needs it). */
    private void initializeMetadata() throws IOException, InterruptedException {
        ServerConfiguration conf = new ServerConfiguration();
        conf.setMetadataServiceUri(metadataServiceUri());
        try {
            // false when it exists: a start that stopped after making it and before recording it
            BookKeeperAdmin.initNewCluster(conf);
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("could not make BookKeeper's metadata in ZooKeeper (" + metadataServiceUri()
                    + "): " + e + "; read " + zookeeper.log(), e);
        }
    }

    /** The URI BookKeeper clients are configured with ({@code ClientConfiguration.setMetadataServiceUri}). */
    public String metadataServiceUri() {
        return ServiceConfigs.metadataServiceUri(record);
    }

    /** {@code 127.0.0.1:PORT}, for a plain ZooKeeper client (the store's own znodes). */
    public String zookeeperConnectString() {
        return "127.0.0.1:" + record.zookeeperPort();
    }

    public int bookieCount() {
        return bookies.size();
    }

    /** The cluster directory (absolute). */
    public Path directory() {
        return directory.root();
    }

    /** Bookie {@code index}'s ID as clients see it in ensembles: {@code 127.0.0.1:PORT}. */
    public String bookieId(int index) {
        return ServiceConfigs.bookieId(bookie(index).port());
    }

    /** ZooKeeper, then the bookies, as they are now. */
    public synchronized List<ClusterProcess> processes() {
        List<ClusterProcess> processes = new ArrayList<>();
        processes.add(describe(zookeeper));
        for (ServiceProcess bookie : bookies) {
            processes.add(describe(bookie));
        }
        return processes;
    }

    private static ClusterProcess describe(ServiceProcess process) {
        return new ClusterProcess(process.name(), process.pid(), process.port(), process.log(), process.isAlive());
    }

    /** SIGKILL to bookie {@code index}, as a crash; returns once it has ended. Its registration lingers a while. */
    public synchronized void killBookie(int index) {
        running(index).kill();
    }

    /** SIGTERM to bookie {@code index}, a clean stop (it unregisters); returns once it has ended. */
    public synchronized void stopBookie(int index) throws InterruptedException {
        running(index).stop(STOP_GRACE);
    }

    /**
     * Starts bookie {@code index} again, killed or stopped, on its own port and directories; returns once it is
     * registered as writable.
     *
     * @throws IOException when it ends or is not writable within the start timeout (the message names its log)
     */
    public synchronized void startBookie(int index) throws IOException, InterruptedException {
        ServiceProcess bookie = bookie(index);
        if (bookie.isAlive()) {
            throw new IllegalStateException(bookie.name() + " is running (pid " + bookie.pid() + ")");
        }
        if (closed) {
            throw new IllegalStateException("the cluster in " + directory.root() + " is closed");
        }
        long startNanos = System.nanoTime();
        OptionalLong staleOwner = registrationOwner(index);
        bookie.start();
        awaitWritable(index, staleOwner, startNanos);
        LOG.info("{} (pid {}) writable again in {} ms", bookie.name(), bookie.pid(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos));
    }

    private ServiceProcess bookie(int index) {
        if (index < 0 || index >= bookies.size()) {
            throw new IndexOutOfBoundsException("bookie index=" + index + " is not from 0 to " + (bookies.size() - 1));
        }
        return bookies.get(index);
    }

    private ServiceProcess running(int index) {
        ServiceProcess bookie = bookie(index);
        if (!bookie.isAlive()) {
            throw new IllegalStateException(bookie.name() + " is not running");
        }
        return bookie;
    }

    /** The ZooKeeper session that holds bookie {@code index}'s writable registration now, if any. */
    private OptionalLong registrationOwner(int index) throws IOException, InterruptedException {
        try {
            return probe.writableOwner(bookieId(index));
        } catch (KeeperException e) {
            throw new IOException("could not read bookie registrations from ZooKeeper (" + zookeeperConnectString()
                    + "): " + e + "; read " + zookeeper.log(), e);
        }
    }

    /** Waits until bookie {@code index} is registered as writable by a session other than {@code staleOwner}. */
    private void awaitWritable(int index, OptionalLong staleOwner, long startNanos)
            throws IOException, InterruptedException {
        String id = bookieId(index);
        await(bookie(index), "registered as writable", startNanos, () -> {
            try {
                OptionalLong owner = probe.writableOwner(id);
                return owner.isPresent() && !owner.equals(staleOwner);
            } catch (KeeperException e) {
                return false;  // ZooKeeper did not answer this time: ask again until the deadline
            }
        });
    }

    private interface Condition {
        boolean holds() throws InterruptedException;
    }

    /**
     * Polls {@code ready} until it holds; fails at the start timeout, or as soon as {@code process} or ZooKeeper (on
     * which a bookie waits) has ended.
     */
    private void await(ServiceProcess process, String what, long startNanos, Condition ready)
            throws IOException, InterruptedException {
        while (!ready.holds()) {
            if (closing) {
                throw new IOException("the cluster in " + directory.root() + " was closed while waiting for "
                        + process.name() + " to be " + what);
            }
            Duration waited = Duration.ofNanos(System.nanoTime() - startNanos);
            if (!zookeeper.isAlive()) {
                throw new IOException(zookeeper.notReady("serving", waited));
            }
            if (!process.isAlive() || waited.compareTo(READY_TIMEOUT) > 0) {
                throw new IOException(process.notReady(what, waited));
            }
            Thread.sleep(POLL_MILLIS);
        }
    }

    /**
     * Stops every child, the bookies first (SIGTERM, SIGKILL after {@link #STOP_GRACE}), then ZooKeeper, waits until
     * each has ended, and releases the directory. Idempotent.
     */
    @Override
    public void close() {
        closing = true;  // a wait in progress gives up within a poll, and releases the lock
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            boolean interrupted = false;
            try {
                for (ServiceProcess bookie : bookies) {
                    bookie.beginStop();
                }
                for (ServiceProcess bookie : bookies) {
                    bookie.stop(STOP_GRACE);
                }
                if (probe != null) {
                    probe.close();
                }
                zookeeper.stop(STOP_GRACE);
            } catch (InterruptedException e) {
                interrupted = true;
                killAll();
            }
            try {
                directory.close();
            } catch (IOException e) {
                LOG.warn("could not release the lock of {}: {}", directory.root(), e.toString());
            }
            if (Thread.currentThread() != shutdownHook) {
                try {
                    Runtime.getRuntime().removeShutdownHook(shutdownHook);
                } catch (IllegalStateException e) {
                    // this JVM is shutting down: the hook runs close() too, which returns at once
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** After an interrupt: no waiting for clean stops, but every child still ends and is reaped. */
    private void killAll() {
        List<ServiceProcess> all = new ArrayList<>(bookies);
        all.add(zookeeper);
        for (ServiceProcess process : all) {
            process.kill();
        }
    }
}

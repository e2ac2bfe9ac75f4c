package dev.pagestore.manager;

import dev.pagestore.ipc.control.ControlServer;
import dev.pagestore.ipc.control.ControlServerOptions;
import dev.pagestore.ipc.linux.ProcessIdentity;
import dev.pagestore.ipc.linux.Libc;
import dev.pagestore.ipc.linux.LibcProcesses;
import dev.pagestore.nvme.BlockDevice;
import dev.pagestore.protocol.PageStoreProtocol;
import dev.pagestore.status.StatusRegionDescriptor;
import dev.pagestore.replication.ReplicatedPrimary;
import dev.pagestore.wal.LogReplica;
import dev.pagestore.wal.RecoveryReport;
import dev.pagestore.wal.WriteAheadLog;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The manager process's core for one data directory: the only owner of the data file, every queue pair and the WAL.
 *
 * <h2>Start</h2>
 * Nothing is changed before everything is checked, and a start refuses with one line saying what is wrong and what
 * to do ({@link StoreRefusedException}, {@link ManagerAlreadyRunningException}). The first three steps are
 * {@link ClaimedDirectory}'s; the WAL's directory is opened, for the checks and for running, by the configuration's
 * {@link WalDirectoryFactory}, as the data file is by its {@link DeviceFactory}.
 * <ol>
 *   <li>the directory: refused when missing unless the start may create a store ({@link ManagerConfig#createStore}),
 *       else created 0700 when missing; refused when another user owns it or others may write it, warned about when
 *       others may list it ({@link OwnerOnly}); the process's umask becomes 077;</li>
 *   <li>ownership ({@link DirectoryOwnership}: an abstract socket name from the real path, an {@code flock} on the
 *       directory and one on {@code DIR/.lock}); a second manager is refused naming the holder's pid;</li>
 *   <li>the plan ({@link StartPlan}, read-only): {@code store.properties} present exactly when the store is, every
 *       file a regular file of this user's (no links), {@code data.pages} exactly its recorded size, options agreeing
 *       with the store, creation only in an empty directory and only when allowed; the WAL's control file, through
 *       the log directory the WAL will run on: present once the store has served, readable, naming this store;</li>
 *   <li>WAL recovery's scan, read-only, which refuses a CORRUPTION stop (a damaged record, a missing or wrong-sized
 *       segment) before applying anything; a refusal here, as one above, leaves no {@code .lock} the start made;</li>
 *   <li>only then changes: a new store's {@code store.properties} (with a random store id, epoch 0) and data file,
 *       made before recovery (an empty log cannot refuse); recovery applied into the data file; files an older
 *       pagestore left readable made owner-only, the process made non-dumpable; a checkpoint ending recovery; the
 *       epoch bumped; the capacity grown when asked (recorded as under way first, so a crash half way is finished by
 *       the next start);</li>
 *   <li>then the device, the reactors (each opens its queue pair on its own thread), the status region, the socket
 *       {@code DIR/manager.sock}.</li>
 * </ol>
 *
 * <h2>Running</h2>
 * Housekeeping checks every second that the directory and {@code DIR/.lock} are still what was locked: a directory
 * deleted, moved or replaced under the manager stops it at once ({@link DataDirectoryLostException}), so that it
 * acknowledges no write nobody can read back. While the WAL has no space for its next segment (writes are answered
 * {@code NO_SPACE}) housekeeping checkpoints, so that segments the checkpoint frees are recycled ({@link Housekeeping};
 * each job runs in a {@link HousekeepingTask}, so that no exception cancels it).
 *
 * <h2>What other processes can reach</h2>
 * Only the control socket (owner-only; a peer whose uid is neither the manager's nor root's is turned away). Every
 * worker's channel and the status region are anonymous sealed memfds that reach exactly the worker that attached (or
 * the tool that observed) as descriptors over that socket: nothing under {@code /dev/shm} to open, squat or truncate,
 * and no process holding one can shrink it under the manager's mappings or write the status region. The
 * manager also makes itself non-dumpable ({@code prctl(PR_SET_DUMPABLE, 0)}) before it creates any of them, so that
 * same-user processes can neither open its descriptors through {@code /proc/PID/fd} nor {@code ptrace} it (nor,
 * as a side effect, attach {@code jcmd}/{@code jstack} to it, except as root; it writes no core dump).
 *
 * <h2>Stop</h2>
 * {@link #close()}: refuse new attaches, let each reactor answer new requests {@code SHUTTING_DOWN} and finish those in
 * progress, close the control server (workers see the manager gone), checkpoint (so the next start replays nothing;
 * a failure is kept in {@link #shutdownCheckpointFailure()}), close the WAL and the device, remove the status
 * region, release the directory. A {@code kill -9} at any point instead leaves the WAL to the next start's recovery:
 * every acknowledged write was durable in it.
 *
 * <p>Thread safety: {@link #start} once; {@link #close} from any thread, idempotent.
 */
public final class PageStoreManager implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PageStoreManager.class);
    public static final String DATA_FILE = "data.pages";
    public static final String WAL_DIRECTORY = "wal";

    private final ManagerConfig config;
    private final Path directory;
    private final DirectoryOwnership ownership;
    private final StartPlan plan;
    private volatile StoreMetadata metadata;  // the plan's until open() has bumped the epoch
    private final AtomicBoolean closed = new AtomicBoolean();
    private final UnappliedWrites unapplied = new UnappliedWrites();
    private final UnwrittenPages unwritten;
    private volatile boolean accepting = true;
    private WriteAheadLog wal;
    private volatile ReplicatedPrimary primary;  // a replicated store's hold as primary (a standby's once it took over)
    private volatile StandbyService standby;
    private final WriteGate writes = new WriteGate(false);  // opened by open(); a standby's once it takes over
    private RecoveryReport recoveryReport;
    private BlockDevice device;
    private StatusRegion status;
    private final List<Reactor> reactors = new ArrayList<>();
    private final Attachments attachments;
    private volatile ControlServer control;
    private Housekeeping housekeeping;
    /** Made once recovery has opened the WAL. */
    private volatile Checkpoints checkpoints;
    /** The start was refused after the plan (by recovery, before any change): close abandons the directory. */
    private boolean refused;
    private volatile Throwable fatalCause;
    private volatile Throwable shutdownCheckpointFailure;
    private final java.util.concurrent.CountDownLatch stopped = new java.util.concurrent.CountDownLatch(1);

    private PageStoreManager(ManagerConfig config, Path directory, DirectoryOwnership ownership, StartPlan plan) {
        this.config = config;
        this.directory = directory;
        this.ownership = ownership;
        this.plan = plan;
        this.metadata = plan.metadata();
        this.unwritten = new UnwrittenPages(config.pageSizeBytes());
        this.attachments = new Attachments(directory, config, reactors, () -> status.descriptor(), () -> accepting,
                writes);
    }

    /**
     * Starts a manager on {@code config.directory()}.
     *
     * @throws ManagerAlreadyRunningException when another manager runs there (the message names its pid)
     * @throws StoreRefusedException when the directory or its files refuse a start (see the class comment); nothing
     *                               was changed
     * @throws IOException when the device, WAL or socket cannot be opened
     */
    public static PageStoreManager start(ManagerConfig config) throws IOException {
        ClaimedDirectory claimed = ClaimedDirectory.claim(config);
        PageStoreManager manager = new PageStoreManager(config, claimed.directory(), claimed.ownership(),
                claimed.plan());
        boolean success = false;
        try {
            manager.open();
            success = true;
            return manager;
        } catch (StoreRefusedException refused) {
            // refused by recovery before it changed anything (a damaged log): as in ClaimedDirectory.claim, no .lock it
            // made is left
            manager.refused = true;
            throw refused;
        } finally {
            if (!success) {
                manager.close();
            }
        }
    }

    private void open() throws IOException {
        int pageSize = config.pageSizeBytes();
        Path dataFile = directory.resolve(DATA_FILE);
        StoreMetadata found = plan.metadata();
        // 0. What the plan makes: a new store's metadata first (epoch 0 says "created, never started"), then its data
        // file; and the store's files made owner-only where an older pagestore left them readable.
        if (plan.creates()) {
            found.write(directory);
            LOG.info("created store {} in {}: {} pages of {} bytes", found.storeId(), directory,
                    found.capacityPages(), pageSize);
        }
        if (plan.createsDataFile()) {
            DataFiles.create(dataFile, found.capacityBytes());
        }

        // 1. Recovery: replay the log's page images into the data file before anything serves (StoreRecovery); a
        // replicated store first takes its epoch and a new ledger, which recovery's records go to as well.
        long recoveryStart = System.nanoTime();
        ReplicatedStart replicated = ReplicatedStart.begin(config, directory, found, found.epoch() == 0, this::onFatal);
        if (replicated != null) {
            primary = replicated.primary();
        }
        StoreRecovery.Recovered recovered = StoreRecovery.run(directory, dataFile, plan.log(), config, found.storeId(),
                found.capacityPages(), replicated != null ? replicated.replica() : LogReplica.NONE);
        wal = recovered.wal();
        checkpoints = new Checkpoints(dataFile, pageSize, wal, unapplied, unwritten, this::onFatal);
        // Every refusal is behind: only now what a start changes beyond the store's own files. The store's files made
        // owner-only where an older pagestore left them readable; and the process non-dumpable before any memfd.
        int tightened = OwnerOnly.tighten(directory, List.of(StoreMetadata.FILE, DATA_FILE, DATA_FILE + ".lock",
                DirectoryOwnership.LOCK_FILE, WAL_DIRECTORY));
        if (tightened > 0) {
            LOG.info("took group and other permissions away from {} file(s) in {}, made by an older pagestore",
                    tightened, directory);
        }
        hideFromSameUserProcesses();
        long recoveryNanos = System.nanoTime() - recoveryStart;
        recoveryReport = wal.recoveryReport();
        LOG.info("recovery of {}: {} pages applied from {} records ({} bytes scanned, {} segments) in {} ms; stopped:"
                        + " {} ({})", directory, recoveryReport.pagesApplied(), recoveryReport.recordsReplayed(),
                recoveryReport.bytesScanned(), recoveryReport.segmentsScanned(), recoveryNanos / 1_000_000,
                recoveryReport.stopReason(), recoveryReport.detail());
        // The end of recovery is a checkpoint (as PostgreSQL's): the next start replays none of this, the segments
        // before it can be recycled (a log that filled the disk then goes on without new space), and a control file
        // from before store ids records the store's id now.
        long redo = checkpoint();
        LOG.debug("end-of-recovery checkpoint at lsn {}", redo);

        // 1b. The epoch and the capacity asked for (NextEpoch).
        metadata = NextEpoch.begin(directory, dataFile, found, recovered.storeId(), plan.targetCapacityPages());
        long capacityBytes = config.capacityPages() * pageSize;

        // 2. The device, the status region and the reactors.
        device = config.backend().open(dataFile, capacityBytes);
        checkpoints.useDevice(device);
        status = StatusRegion.create(pageSize, config.capacityPages(), config.reactorCount(),
                config.effectiveVersionBucketCount(), metadata.epoch());
        status.setGlobal(StatusRegionDescriptor.RECOVERY_NANOS, recoveryNanos);
        status.setGlobal(StatusRegionDescriptor.RECOVERED_PAGES, recoveryReport.pagesApplied());
        ReactorStart.startAll(reactors, config, device, wal, status, unapplied, unwritten, this::onFatal, attachments);

        // 3. Listen; a standby's writes stay shut until it takes over.
        if (replicated == null || replicated.handover() == null) {
            writes.open();
        }
        control = ControlServer.start(ControlServerOptions.at(PageStoreProtocol.socketPath(directory)),
                attachments, cause -> onFatal(new IllegalStateException("the control thread died (" + cause
                        + "); no worker could attach or be told of anything any more", cause)));
        attachments.servedBy(control);
        housekeeping = new Housekeeping(ownership, wal, checkpoints, () -> accepting, this::onFatal);
        housekeeping.start(new StatusPublisher(status, wal, checkpoints, unwritten, attachments, control),
                config.checkpointIntervalMillis());
        standby = StandbyService.serve(replicated, config, directory, recovered.storeId(), writes, status,
                taken -> primary = taken, this::onFatal);
        LOG.info("pagestore manager pid {} epoch {} serving {} ({} pages of {} bytes, backend {}, {} reactor(s),"
                        + " queue depth {}) on {}", ProcessHandle.current().pid(), metadata.epoch(), directory,
                config.capacityPages(), pageSize, config.backend().name(), config.reactorCount(),
                config.queueDepth(), control.socketPath());
    }

    /**
     * Something the manager cannot serve without failed: a WAL write or fdatasync (the log can no longer make writes
     * durable, and after a failed fsync the kernel may have dropped the dirty pages: PostgreSQL's fsyncgate), a
     * reactor thread or the control thread that died, or the data directory itself ({@link DataDirectoryLostException}:
     * it was deleted, moved or replaced, and a write acknowledged now could never be read back). The manager stops at
     * once rather than stay half alive or pretend. Workers see it gone; the next start recovers from what the log
     * holds.
     */
    private void onFatal(Throwable cause) {
        synchronized (this) {
            if (fatalCause != null) {
                return;
            }
            fatalCause = cause;
        }
        if (cause instanceof DataDirectoryLostException) {
            LOG.error("{}; the manager stops at once", cause.getMessage());
        } else {
            LOG.error("fatal: {}; the manager of {} stops (the next start recovers from the log)", cause.getMessage(),
                    directory, cause);
        }
        Thread stopper = new Thread(this::close, "pagestore-fatal-stop");
        stopper.setDaemon(false);
        stopper.start();
    }

    /**
     * Why the manager stopped by itself, or null: a WAL failure, a reactor or control thread that died, or a
     * {@link DataDirectoryLostException} when its directory was deleted, moved or replaced under it.
     */
    public Throwable fatalCause() {
        return fatalCause;
    }

    /**
     * Why the shutdown checkpoint failed, or null when it succeeded or was not tried (after any fatal failure, see
     * {@link #fatalCause()}). Set by {@link #close()}; the next start replays the WAL instead.
     */
    public Throwable shutdownCheckpointFailure() {
        return shutdownCheckpointFailure;
    }

    /** Waits until {@link #close()} has finished (called by anyone, or after a fatal WAL failure). */
    public boolean awaitStopped(long timeout, TimeUnit unit) throws InterruptedException {
        return stopped.await(timeout, unit);
    }

    /**
     * {@code prctl(PR_SET_DUMPABLE, 0)}: same-user processes can no longer open this process's descriptors (its
     * memfds) through {@code /proc/PID/fd} nor {@code ptrace} it. Before any memfd exists.
     */
    private static void hideFromSameUserProcesses() throws IOException {
        Libc.check(LibcProcesses.prctl(LibcProcesses.PR_SET_DUMPABLE, 0, 0, 0, 0), "prctl", "PR_SET_DUMPABLE 0");
    }

    /** Takes a checkpoint now ({@link Checkpoints}) and returns its redo LSN. */
    public long checkpoint() throws IOException {
        return checkpoints.checkpoint();
    }

    public long epoch() {
        return metadata.epoch();
    }

    public RecoveryReport recoveryReport() {
        return recoveryReport;
    }

    /** Committed pages whose data-file write failed, waiting for a checkpoint to write them. */
    public int unwrittenPages() {
        return unwritten.size();
    }

    public int attachedWorkers() {
        return attachments.attachedWorkers();
    }

    /**
     * The attached workers as the kernel identifies them ({@code SO_PEERCRED} pid, start time from
     * {@code /proc/PID/stat}), never as they describe themselves: for diagnostics.
     */
    public List<ProcessIdentity> attachedWorkerProcesses() {
        return attachments.attachedWorkerProcesses();
    }

    public Path socketPath() {
        return PageStoreProtocol.socketPath(directory);
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        accepting = false;
        if (standby != null) {
            standby.close();  // first: its writes are this manager's own, and must not fail in the drain below
        }
        if (status != null) {
            status.state(StatusRegionDescriptor.STATE_STOPPING);
        }
        for (Reactor reactor : reactors) {
            reactor.beginDrain(config.stopWaitMillis());
        }
        for (Reactor reactor : reactors) {
            try {
                reactor.join(config.stopWaitMillis() + 5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (control != null) {
            control.close();
        }
        if (housekeeping != null) {
            if (fatalCause != null) {
                housekeeping.stopNow();
            } else {
                housekeeping.close();
            }
        }
        if (wal != null) {
            try {
                if (fatalCause instanceof DataDirectoryLostException) {
                    // its files are gone or someone else's: nothing of them is to be flushed by path
                    LOG.error("no shutdown checkpoint: {} is no longer this manager's directory", directory);
                } else if (fatalCause != null) {
                    // A dead reactor's data-file writes never finish, so a checkpoint would wait for them in vain;
                    // skipping one is always safe: the next start replays the log.
                    LOG.error("no shutdown checkpoint after a fatal failure; the next start recovers from the WAL");
                } else if (wal.failure() == null) {
                    long redo = checkpoint();
                    LOG.info("shutdown checkpoint at lsn {}", redo);
                }
            } catch (IOException | RuntimeException e) {
                shutdownCheckpointFailure = e;
                LOG.error("shutdown checkpoint failed; the next start recovers from the WAL", e);
            }
            try {
                wal.close();
            } catch (IOException e) {
                LOG.warn("closing the WAL: {}", e.toString());
            }
        }
        if (primary != null) {
            primary.close();  // after the WAL: its last commit is in the ledger
        }
        if (device != null) {
            try {
                device.close();
            } catch (IOException e) {
                LOG.warn("closing the device: {}", e.toString());
            }
        }
        if (status != null) {
            status.close();
        }
        if (checkpoints != null) {
            checkpoints.close();
        }
        if (refused) {
            ownership.abandon();  // nothing was changed: not even a .lock this start made is left
        } else {
            ownership.close();
        }
        LOG.info("pagestore manager of {} stopped", directory);
        stopped.countDown();
    }
}

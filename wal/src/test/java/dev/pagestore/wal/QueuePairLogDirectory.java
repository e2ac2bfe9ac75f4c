package dev.pagestore.wal;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * A {@link LogDirectory} whose files are {@link dev.pagestore.nvme.BlockDevice}s driven through queue pairs
 * ({@link QueuePairLogDevice}): the WAL's segments and control file go through the nvme module, so a simulated
 * controller's power-loss and fault model covers the log.
 *
 * <h2>How files map to devices</h2>
 * Each file is its own block device, made by a {@link LogBlockDeviceFactory} when the file is created, with the
 * capacity the factory gives it (the largest size the file may reach: the segment size for segments). A file's size
 * is metadata kept beside its device ({@link ModelledLogFile}). A rename moves the device to the new name; a
 * recycled segment keeps its device. Devices are never freed while the directory's media lives (they are closed by
 * {@link #closeDevices()}).
 *
 * <h2>Names and crash semantics</h2>
 * The namespace is kept in memory, in two versions, as a POSIX directory behaves: the visible names (what
 * {@link #list} shows) and the durable names, copied from the visible ones by {@link #sync()} (the directory fsync).
 * A create, rename or delete not followed by a sync is lost when the power is cut. File data and sizes are volatile
 * until the file's own {@code datasync} (a flush command). A power cut ({@link #cutPower}) is atomic with respect to
 * every device step ({@link PowerGate}, taken by each handle's {@link PoweredLogFile} and its queue pairs,
 * {@link PoweredBackend}); afterwards this directory and every handle from it fail every call with
 * {@link IOException}, and a new directory over the surviving media is made with {@link #afterPowerCut}.
 *
 * <h2>Space</h2>
 * The file system may be full ({@link #fileSystemFull}): then reserving new space for a file ({@code fallocate},
 * {@link LogDevice#preallocate} past the file's size) fails with {@code ENOSPC}, as on a real one. Writes are not
 * refused: a log writes only into space it preallocated.
 *
 * <p>Because the names live in memory, this directory models a namespace rather than persisting one: it is what
 * the simulated controller needs ({@link SimulatedLogDirectory}). On real disks the persistent namespace is the file
 * system's: {@link IoUringLogDirectory} keeps names in a real directory (as {@link FileLogDirectory} does) and drives
 * each file's data through the same {@link QueuePairLogDevice}, over an io_uring queue pair, with the file's size
 * taken from the kernel ({@link FileSystemLogFile}).
 *
 * <p>Thread safety: safe for use from several threads; each handle follows {@link QueuePairLogDevice}'s rules.
 */
final class QueuePairLogDirectory implements LogDirectory {
    private final String description;
    private final LogBlockDeviceFactory factory;
    private final QueuePairLogDevice.Settings settings;
    private final List<ModelledLogFile> allFiles;
    private final PowerGate gate = new PowerGate();
    private final HandlePins pins = new HandlePins();
    private final AtomicBoolean fileSystemFull;
    /** Devices on this machine's power that are not files of the log (a store's data file), kept across lives. */
    private final Map<String, ModelledLogFile> attached;
    private Map<String, ModelledLogFile> names;
    private Map<String, ModelledLogFile> durableNames;

    /** An empty directory whose files {@code factory} makes. */
    QueuePairLogDirectory(String description, LogBlockDeviceFactory factory,
                                 QueuePairLogDevice.Settings settings) {
        this(description, factory, settings, new HashMap<>(), new ArrayList<>(), new AtomicBoolean(), new HashMap<>());
    }

    private QueuePairLogDirectory(String description, LogBlockDeviceFactory factory,
                                  QueuePairLogDevice.Settings settings, Map<String, ModelledLogFile> durable,
                                  List<ModelledLogFile> allFiles, AtomicBoolean fileSystemFull,
                                  Map<String, ModelledLogFile> attached) {
        if (factory == null || settings == null) {
            throw new IllegalArgumentException("factory and settings are required");
        }
        this.description = description;
        this.factory = factory;
        this.settings = settings;
        this.allFiles = allFiles;
        this.fileSystemFull = fileSystemFull;
        this.attached = attached;
        this.names = new HashMap<>(durable);
        this.durableNames = new HashMap<>(durable);
    }

    @Override
    public List<String> list() throws IOException {
        gate.enter("list " + description);
        try {
            synchronized (this) {
                return new ArrayList<>(names.keySet());
            }
        } finally {
            gate.exit();
        }
    }

    /**
     * Opens a handle on {@code name}. The handle is pinned to the calling thread when that thread already holds a
     * pinned handle of this directory (the WAL writer opening its next segment), else unpinned
     * ({@link QueuePairLogDevice}).
     */
    @Override
    public LogDevice open(String name, boolean create) throws IOException {
        ModelledLogFile file;
        gate.enter("open " + name + " in " + description);
        try {
            synchronized (this) {
                file = names.get(name);
                if (file == null) {
                    if (!create) {
                        throw new NoSuchFileException(name + " in " + description);
                    }
                    file = new ModelledLogFile(name, factory.create(name));
                    allFiles.add(file);
                    names.put(name, file);
                }
            }
        } finally {
            gate.exit();
        }
        return new QueuePairLogDevice(name, new PoweredLogFile(name, file, gate, fileSystemFull), pins, settings,
                pins.holdsAny(Thread.currentThread()));
    }

    @Override
    public void rename(String from, String to) throws IOException {
        gate.enter("rename " + from + " in " + description);
        try {
            synchronized (this) {
                ModelledLogFile file = names.remove(from);
                if (file == null) {
                    throw new NoSuchFileException(from + " in " + description);
                }
                names.put(to, file);
            }
        } finally {
            gate.exit();
        }
    }

    @Override
    public void delete(String name) throws IOException {
        gate.enter("delete " + name + " in " + description);
        try {
            synchronized (this) {
                names.remove(name);
            }
        } finally {
            gate.exit();
        }
    }

    @Override
    public void sync() throws IOException {
        gate.enter("sync " + description);
        try {
            synchronized (this) {
                durableNames = new HashMap<>(names);
            }
        } finally {
            gate.exit();
        }
    }

    @Override
    public String describe() {
        return description;
    }

    /** The block device behind {@code name} now, or null. */
    public synchronized dev.pagestore.nvme.BlockDevice blockDevice(String name) {
        ModelledLogFile file = names.get(name);
        return file == null ? null : file.device();
    }

    /**
     * A device of this machine that is not a file of the log (a store's data file): {@code media} makes it on the
     * first call for {@code name} in any life; a power cut drops its cache with the others, and the handle returned
     * refuses every step after the cut of this life.
     */
    synchronized dev.pagestore.nvme.BlockDevice attachedDevice(String name, LogBlockDeviceFactory media)
            throws IOException {
        if (gate.isOff()) {
            throw new IOException("power lost: open " + name + " in " + description);
        }
        ModelledLogFile file = attached.get(name);
        if (file == null) {
            file = new ModelledLogFile(name, media.create(name));
            attached.put(name, file);
            allFiles.add(file);
        }
        return new PoweredBlockDevice(file, gate);
    }

    /** The file named {@code name} now, or null. */
    synchronized ModelledLogFile file(String name) {
        return names.get(name);
    }

    /** Whether the file system is full from now on, in this incarnation and the ones after a power cut. */
    void fileSystemFull(boolean full) {
        fileSystemFull.set(full);
    }

    /** Queue pairs opened so far on the file now named {@code name} (0 when there is none). */
    synchronized long queuePairsOpened(String name) {
        ModelledLogFile file = names.get(name);
        return file == null ? 0 : file.queuePairsOpened();
    }

    /** Whether the power of this directory has been cut. */
    public boolean isPowerCut() {
        return gate.isOff();
    }

    /**
     * Cuts the power between two device steps: {@code mediaCut} runs for the device of every file ever created (the
     * simulated controller drops its volatile write cache), every file returns to its durable size, and this
     * directory and all its handles fail from now on.
     */
    void cutPower(Consumer<dev.pagestore.nvme.BlockDevice> mediaCut) {
        gate.cut(() -> {
            synchronized (this) {
                for (ModelledLogFile file : allFiles) {
                    mediaCut.accept(file.device());
                    file.powerLost();
                }
            }
        });
    }

    /** Arms {@link #cutPower} to happen by itself after {@code steps} more device steps (submits and polls). */
    void cutPowerAfterSteps(long steps, Consumer<dev.pagestore.nvme.BlockDevice> mediaCut) {
        gate.armCut(steps, () -> cutPower(mediaCut));
    }

    /** After {@link #cutPower}: a new directory over what survived (the durable names, files and sizes). */
    synchronized QueuePairLogDirectory afterPowerCut(String newDescription) {
        if (!gate.isOff()) {
            throw new IllegalStateException(description + " still has power; cut it first");
        }
        return new QueuePairLogDirectory(newDescription, factory, settings, durableNames, allFiles, fileSystemFull,
                attached);
    }

    /** Closes the device of every file ever created (handles must be closed, or abandoned after a power cut). */
    synchronized void closeDevices() throws IOException {
        IOException first = null;
        for (ModelledLogFile file : allFiles) {
            try {
                file.device().close();
            } catch (IOException e) {
                first = first == null ? e : first;
            }
        }
        allFiles.clear();
        if (first != null) {
            throw first;
        }
    }

    /** Every device ever created, in creation order (for fault injection). */
    synchronized List<dev.pagestore.nvme.BlockDevice> allDevices() {
        return allFiles.stream().map(ModelledLogFile::device).toList();
    }

    @Override
    public String toString() {
        return "QueuePairLogDirectory[" + description + "]";
    }
}

package dev.pagestore.wal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * An in-memory {@link LogDirectory} of {@link FaultyLogDevice}s with the crash semantics of a POSIX directory: a
 * create, rename or delete is durable only after {@link #sync()}; {@link #powerFail()} returns the names to their
 * last synced state and cuts power to every file. Deterministic for a seed.
 *
 * <p>Thread safety: all methods are {@code synchronized}.
 */
public final class FaultyLogDirectory implements LogDirectory {
    private final SplittableRandom random;
    private Map<String, FaultyLogDevice> names = new HashMap<>();
    private Map<String, FaultyLogDevice> durableNames = new HashMap<>();
    private final List<FaultyLogDevice> allDevices = new ArrayList<>();
    private boolean poweredOff;
    private int syncFailuresToInject;

    public FaultyLogDirectory(long seed) {
        this.random = new SplittableRandom(seed);
    }

    @Override
    public synchronized List<String> list() throws IOException {
        checkPowered("list");
        return new ArrayList<>(names.keySet());
    }

    @Override
    public synchronized LogDevice open(String name, boolean create) throws IOException {
        checkPowered("open " + name);
        FaultyLogDevice device = names.get(name);
        if (device == null) {
            if (!create) {
                throw new java.nio.file.NoSuchFileException(name);
            }
            device = new FaultyLogDevice(name, random.nextLong());
            names.put(name, device);
            allDevices.add(device);
        }
        return device;
    }

    @Override
    public synchronized void rename(String from, String to) throws IOException {
        checkPowered("rename " + from);
        FaultyLogDevice device = names.remove(from);
        if (device == null) {
            throw new java.nio.file.NoSuchFileException(from);
        }
        names.put(to, device);
    }

    @Override
    public synchronized void delete(String name) throws IOException {
        checkPowered("delete " + name);
        names.remove(name);
    }

    @Override
    public synchronized void sync() throws IOException {
        checkPowered("sync directory");
        if (syncFailuresToInject > 0) {
            syncFailuresToInject--;
            throw new IOException("injected EIO: directory fsync");
        }
        durableNames = new HashMap<>(names);
    }

    @Override
    public synchronized String describe() {
        return "FaultyLogDirectory" + names.keySet();
    }

    /** The device named {@code name} (for fault injection and corruption), or null. */
    public synchronized FaultyLogDevice device(String name) {
        return names.get(name);
    }

    /** Cuts power to the directory and every file in it (see {@link FaultyLogDevice#powerFail()}). */
    public synchronized void powerFail() {
        for (FaultyLogDevice device : allDevices) {
            device.powerFail();
        }
        names = new HashMap<>(durableNames);
        poweredOff = true;
    }

    /** Restores power. */
    public synchronized void powerOn() {
        for (FaultyLogDevice device : allDevices) {
            device.powerOn();
        }
        poweredOff = false;
    }

    /** The next {@code count} directory syncs fail. */
    public synchronized void failNextSyncs(int count) {
        syncFailuresToInject = count;
    }

    private void checkPowered(String operation) throws IOException {
        if (poweredOff) {
            throw new IOException("power lost: " + operation);
        }
    }
}

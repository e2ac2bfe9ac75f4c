package dev.pagestore.wal;

import java.io.IOException;
import java.util.List;

/**
 * A {@link LogDirectory} that forwards every call to another: the base of a directory that adds to one it wraps
 * ({@link SimulatedLogDirectory} over its {@link QueuePairLogDirectory}, and tests that watch or break calls).
 */
public abstract class ForwardingLogDirectory implements LogDirectory {
    private final LogDirectory inner;

    protected ForwardingLogDirectory(LogDirectory inner) {
        this.inner = inner;
    }

    @Override
    public List<String> list() throws IOException {
        return inner.list();
    }

    @Override
    public LogDevice open(String name, boolean create) throws IOException {
        return inner.open(name, create);
    }

    @Override
    public void rename(String from, String to) throws IOException {
        inner.rename(from, to);
    }

    @Override
    public void delete(String name) throws IOException {
        inner.delete(name);
    }

    @Override
    public void sync() throws IOException {
        inner.sync();
    }

    @Override
    public long usableSpaceBytes() throws IOException {
        return inner.usableSpaceBytes();
    }

    @Override
    public String describe() {
        return inner.describe();
    }
}

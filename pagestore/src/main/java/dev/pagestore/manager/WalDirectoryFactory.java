package dev.pagestore.manager;

import dev.pagestore.wal.LogDirectories;
import dev.pagestore.wal.LogDirectory;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Opens the store's WAL directory ({@code DIR/wal}) as the WAL writer runs it; the start's checks and recovery go
 * through the same directory. Any {@link LogDirectory} plugs in here, as any device does in {@link DeviceFactory}
 * ({@link #named}: the command line's {@code --wal-io}).
 */
@FunctionalInterface
public interface WalDirectoryFactory {
    /** Opens {@code walDirectory} for a store whose data file {@code dataBackend} opens. */
    LogDirectory open(Path walDirectory, DeviceFactory dataBackend) throws IOException;

    /** Always a directory of {@code kind}. */
    static WalDirectoryFactory of(LogDirectories.Kind kind) {
        return (walDirectory, dataBackend) -> LogDirectories.open(walDirectory, kind);
    }

    /**
     * A synchronous queue pair ({@link LogDirectories.Kind#PORTABLE}) when the data path is io_uring or portable, and
     * plain files otherwise (the simulated backend's tests). The WAL writer's I/O is strictly serial (write the batch,
     * fdatasync, repeat), so an asynchronous ring overlaps nothing there, and on ext4 io_uring hands both calls to
     * io-wq workers (bench/HISTORY.md, "2026-11-26, third session").
     */
    static WalDirectoryFactory auto() {
        return (walDirectory, dataBackend) -> {
            String data = dataBackend.name();
            LogDirectories.Kind kind = data.equals("io_uring") || data.equals("portable")
                    ? LogDirectories.Kind.PORTABLE : LogDirectories.Kind.FILE;
            return LogDirectories.open(walDirectory, kind);
        };
    }

    /**
     * The kind called {@code name} on the command line: {@code auto} ({@link #auto()}), or a
     * {@link LogDirectories.Kind#cliName()}: {@code io_uring}, {@code portable}, {@code file}.
     *
     * @throws IllegalArgumentException naming the choices when {@code name} is none of them
     */
    static WalDirectoryFactory named(String name) {
        return name.equals("auto") ? auto() : of(LogDirectories.Kind.named(name));
    }
}

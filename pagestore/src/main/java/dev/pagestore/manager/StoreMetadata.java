package dev.pagestore.manager;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.Properties;

/**
 * {@code DIR/store.properties}: the shape a data directory was created with (page size, capacity) and the epoch of
 * the last manager start. Written atomically (temporary file, fsync, rename, directory fsync).
 *
 * @param pageSizeBytes the page size of the data file and the WAL
 * @param capacityPages the data file's size in pages
 * @param epoch         bumped by every manager start
 */
public record StoreMetadata(int pageSizeBytes, long capacityPages, long epoch) {
    public static final String FILE = "store.properties";

    /** The metadata of {@code directory}, or empty for a new directory. */
    public static Optional<StoreMetadata> read(Path directory) throws IOException {
        Path file = directory.resolve(FILE);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file)) {
            properties.load(reader);
        }
        try {
            return Optional.of(new StoreMetadata(Integer.parseInt(properties.getProperty("pageSizeBytes")),
                    Long.parseLong(properties.getProperty("capacityPages")),
                    Long.parseLong(properties.getProperty("epoch", "0"))));
        } catch (RuntimeException e) {
            throw new IOException(file + " is damaged (" + e + "); it must hold pageSizeBytes, capacityPages, epoch");
        }
    }

    /** Writes this metadata into {@code directory} durably. */
    public void write(Path directory) throws IOException {
        Properties properties = new Properties();
        properties.setProperty("pageSizeBytes", Integer.toString(pageSizeBytes));
        properties.setProperty("capacityPages", Long.toString(capacityPages));
        properties.setProperty("epoch", Long.toString(epoch));
        Path temporary = directory.resolve(FILE + ".tmp");
        try (Writer writer = Files.newBufferedWriter(temporary)) {
            properties.store(writer, "pagestore data directory: do not edit while a manager runs");
        }
        try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
            channel.force(true);
        }
        Files.move(temporary, directory.resolve(FILE), StandardCopyOption.ATOMIC_MOVE);
        try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
            dir.force(true);
        }
    }
}

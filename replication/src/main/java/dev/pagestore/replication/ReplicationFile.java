package dev.pagestore.replication;

import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;

/**
 * {@code DIR/replication.properties}: which store this directory replicates, where, and the directory's own id (the
 * {@code owner} of a primary epoch in ZooKeeper), plus the last epoch it took. Replaced whole, durably (written,
 * synced, renamed, directory synced), owner-only.
 *
 * @param storeId            the store
 * @param directoryId        this directory's id, made once
 * @param metadataServiceUri where its records are
 * @param claimedEpoch       the last epoch this directory took as primary; 0 before its first
 */
public record ReplicationFile(UUID storeId, UUID directoryId, String metadataServiceUri, long claimedEpoch) {
    static final String NAME = "replication.properties";

    /** The record of {@code directory}, or empty when the directory's store is not replicated. */
    public static Optional<ReplicationFile> read(Path directory) throws IOException {
        Path file = directory.resolve(NAME);
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(file + " is not a regular file");
        }
        Properties p = new Properties();
        p.load(new StringReader(Files.readString(file, StandardCharsets.UTF_8)));
        try {
            return Optional.of(new ReplicationFile(UUID.fromString(p.getProperty("store", "")),
                    UUID.fromString(p.getProperty("directory", "")), required(p, "metadataServiceUri"),
                    Long.parseLong(p.getProperty("claimedEpoch", "0"))));
        } catch (IllegalArgumentException e) {
            throw new IOException(file + " is damaged (" + e.getMessage() + "): it should name the store, this"
                    + " directory's id and the metadata service");
        }
    }

    private static String required(Properties p, String key) {
        String value = p.getProperty(key);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("no " + key);
        }
        return value;
    }

    ReplicationFile withClaimedEpoch(long epoch) {
        return new ReplicationFile(storeId, directoryId, metadataServiceUri, epoch);
    }

    void write(Path directory) throws IOException {
        String text = "# which store this directory replicates, and where (pagestore; do not edit)\n"
                + "store=" + storeId + "\ndirectory=" + directoryId + "\nmetadataServiceUri=" + metadataServiceUri
                + "\nclaimedEpoch=" + claimedEpoch + "\n";
        Path tmp = directory.resolve(NAME + ".tmp");
        Files.deleteIfExists(tmp);
        try (FileChannel channel = FileChannel.open(tmp, java.util.Set.of(StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE), PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rw-------")))) {
            ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            channel.force(true);
        }
        Files.move(tmp, directory.resolve(NAME), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
            dir.force(true);
        }
    }
}

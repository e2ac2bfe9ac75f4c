package dev.pagestore.replication;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Set;

/**
 * How far a standby has applied the store's log: the ledger and the next entry to apply. Kept in
 * {@code DIR/standby.position}, written only after what it names is durable in the standby's own log, replaced whole
 * and durably. A standby that restarts goes on from here; entries applied again are page images applied again in
 * order, which leave the pages as they were.
 *
 * @param ledgerId  the ledger being applied, or -1 before the first
 * @param nextEntry the first entry of it not yet applied
 */
public record AppliedPosition(long ledgerId, long nextEntry) {
    static final String NAME = "standby.position";
    public static final AppliedPosition START = new AppliedPosition(-1, 0);

    /**
     * Whether {@code directory} is a standby, or one whose takeover has not finished: the file is made with the
     * standby and removed once, after a takeover, the new primary serves writes.
     */
    public static boolean pending(Path directory) {
        return Files.exists(directory.resolve(NAME), LinkOption.NOFOLLOW_LINKS);
    }

    /** Marks the takeover finished: the directory is a primary's from now on. */
    public static void finish(Path directory) throws IOException {
        Files.deleteIfExists(directory.resolve(NAME));
    }

    static AppliedPosition read(Path directory) throws IOException {
        Path file = directory.resolve(NAME);
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            return START;
        }
        String text = Files.readString(file, StandardCharsets.UTF_8).trim();
        String[] parts = text.split(" ");
        try {
            if (parts.length != 2) {
                throw new NumberFormatException("two numbers expected");
            }
            AppliedPosition position = new AppliedPosition(Long.parseLong(parts[0]), Long.parseLong(parts[1]));
            if (position.ledgerId() < -1 || position.nextEntry() < 0) {
                throw new NumberFormatException("out of range");
            }
            return position;
        } catch (NumberFormatException e) {
            throw new IOException(file + " holds '" + text + "', not LEDGER_ID NEXT_ENTRY (" + e.getMessage() + ")");
        }
    }

    void write(Path directory) throws IOException {
        Path tmp = directory.resolve(NAME + ".tmp");
        try (FileChannel channel = FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE))) {
            ByteBuffer bytes = ByteBuffer.wrap((ledgerId + " " + nextEntry + "\n").getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            channel.force(true);
        }
        Files.move(tmp, directory.resolve(NAME), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}

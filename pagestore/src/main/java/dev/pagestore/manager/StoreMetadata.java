package dev.pagestore.manager;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;

/**
 * {@code DIR/store.properties}: the store's identity and shape, the one thing pagestore cannot recover from the
 * other files. The page size in particular cannot be guessed: data read with the wrong one comes back garbled. So a
 * missing or damaged file refuses a start and is never replaced by defaults.
 *
 * <ul>
 *   <li>{@code storeId}: a random UUID given at creation. The WAL's control file records the same id, so a
 *       {@code store.properties} and a WAL from different stores cannot silently be used together.</li>
 *   <li>{@code formatVersion}: {@value #FORMAT_VERSION}. A file without it and without {@code storeId} was written
 *       before store ids (version 0) and gets an id at the next start; a newer version is refused.</li>
 *   <li>{@code pageSizeBytes}, {@code capacityPages}: {@code data.pages} is exactly their product in bytes.</li>
 *   <li>{@code epoch}: 0 from creation until the first start has recovered; bumped by every start after recovery.</li>
 *   <li>{@code growingToPages}: present only while a capacity growth is under way (written before {@code data.pages}
 *       is extended, removed after), so that a crash half way is finished by the next start instead of being
 *       mistaken for a damaged data file.</li>
 * </ul>
 *
 * <p>Written atomically and owner-only: a temporary file created 0600, fsync, rename, directory fsync. Read strictly:
 * the file must be valid UTF-8 and hold every key; every problem is reported as a {@link StoreRefusedException} whose
 * one line names the file, what is wrong and what to do.
 *
 * @param formatVersion  {@value #FORMAT_VERSION}, or 0 for a file written before store ids
 * @param storeId        the store's id (null only in a version 0 file)
 * @param pageSizeBytes  the page size of the data file and the WAL
 * @param capacityPages  the data file's size in pages
 * @param epoch          0 until the first start has recovered, then bumped by every start
 * @param growingToPages the capacity a growth under way is heading for, or 0
 */
public record StoreMetadata(int formatVersion, UUID storeId, int pageSizeBytes, long capacityPages, long epoch,
        long growingToPages) {
    public static final String FILE = "store.properties";
    public static final int FORMAT_VERSION = 1;
    /** The file is a few hundred bytes; anything much larger is not this file. */
    private static final int FILE_BYTES_MAX = 64 << 10;
    private static final String RESTORE = "restore store.properties from a backup of this store (pagestore will not"
            + " guess the page size)";

    /** A new store's metadata: a fresh id, epoch 0. */
    public static StoreMetadata create(int pageSizeBytes, long capacityPages) {
        return new StoreMetadata(FORMAT_VERSION, UUID.randomUUID(), pageSizeBytes, capacityPages, 0, 0);
    }

    /**
     * The metadata of {@code directory}, or empty when it has no {@code store.properties}.
     *
     * @throws StoreRefusedException when the file is a link or not a regular file, is not valid UTF-8, misses a key,
     *                               holds a value that cannot be, or was written by a newer pagestore
     */
    public static Optional<StoreMetadata> read(Path directory) throws IOException {
        Path file = directory.resolve(FILE);
        byte[] bytes;
        // NOFOLLOW_LINKS: O_NOFOLLOW, so a link put in place of the file is refused rather than followed
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                throw new StoreRefusedException(file + " is not a regular file: " + RESTORE);
            }
            if (channel.size() > FILE_BYTES_MAX) {
                throw new StoreRefusedException(file + " is " + channel.size() + " bytes, not a store.properties: "
                        + RESTORE);
            }
            ByteBuffer buffer = ByteBuffer.allocate((int) channel.size());
            while (buffer.hasRemaining() && channel.read(buffer) >= 0) {
                // read it all
            }
            bytes = buffer.array();
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (java.nio.file.FileSystemException e) {
            if (Files.isSymbolicLink(file)) {
                throw new StoreRefusedException(file + " is a symbolic link; pagestore reads only a regular file in"
                        + " its own directory: put the file itself there", e);
            }
            throw e;
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new StoreRefusedException(file + " is not valid UTF-8 (damaged or not this file): " + RESTORE, e);
        }
        Properties properties = new Properties();
        try {
            properties.load(new StringReader(text));
        } catch (IllegalArgumentException e) {
            throw new StoreRefusedException(file + " is damaged (" + e.getMessage() + "): " + RESTORE, e);
        }
        return Optional.of(parse(file, properties));
    }

    private static StoreMetadata parse(Path file, Properties properties) throws StoreRefusedException {
        String version = properties.getProperty("formatVersion");
        String id = properties.getProperty("storeId");
        int formatVersion = version == null && id == null ? 0 : (int) number(file, properties, "formatVersion",
                1, Integer.MAX_VALUE);
        if (formatVersion > FORMAT_VERSION) {
            throw new StoreRefusedException(file + " has formatVersion=" + formatVersion + ", written by a newer"
                    + " pagestore than this one (" + FORMAT_VERSION + "): run that version");
        }
        UUID storeId = null;
        if (formatVersion >= 1) {
            if (id == null) {
                throw new StoreRefusedException(file + " is damaged (no storeId): " + RESTORE);
            }
            try {
                storeId = UUID.fromString(id.trim());
            } catch (IllegalArgumentException e) {
                throw new StoreRefusedException(file + " is damaged (storeId='" + id + "' is not a UUID): " + RESTORE,
                        e);
            }
        }
        int pageSize = (int) number(file, properties, "pageSizeBytes", 1, Integer.MAX_VALUE);
        if (pageSize != 4096 && pageSize != 8192 && pageSize != 16384) {
            throw new StoreRefusedException(file + " is damaged (pageSizeBytes=" + pageSize + " is not 4096, 8192 or"
                    + " 16384): " + RESTORE);
        }
        long pagesMax = ManagerConfig.CAPACITY_BYTES_MAX / pageSize;
        long capacity = number(file, properties, "capacityPages", 1, pagesMax);
        long epoch = number(file, properties, "epoch", 0, Long.MAX_VALUE - 1);
        long growingTo = properties.getProperty("growingToPages") == null ? 0
                : number(file, properties, "growingToPages", capacity + 1, pagesMax);
        return new StoreMetadata(formatVersion, storeId, pageSize, capacity, epoch, growingTo);
    }

    private static long number(Path file, Properties properties, String key, long min, long max)
            throws StoreRefusedException {
        String value = properties.getProperty(key);
        if (value == null) {
            throw new StoreRefusedException(file + " is damaged (no " + key + "): " + RESTORE);
        }
        long parsed;
        try {
            parsed = Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new StoreRefusedException(file + " is damaged (" + key + "='" + value + "' is not a number): "
                    + RESTORE, e);
        }
        if (parsed < min || parsed > max) {
            throw new StoreRefusedException(file + " is damaged (" + key + "=" + parsed + " is outside [" + min + ", "
                    + max + "]): " + RESTORE);
        }
        return parsed;
    }

    /** The capacity the store has once a growth under way, if any, is finished. */
    public long targetCapacityPages() {
        return growingToPages > 0 ? growingToPages : capacityPages;
    }

    /** The data file's size this metadata requires, in bytes. */
    public long capacityBytes() {
        return capacityPages * pageSizeBytes;
    }

    public StoreMetadata withStoreId(UUID value) {
        return new StoreMetadata(FORMAT_VERSION, value, pageSizeBytes, capacityPages, epoch, growingToPages);
    }

    public StoreMetadata withEpoch(long value) {
        return new StoreMetadata(formatVersion, storeId, pageSizeBytes, capacityPages, value, growingToPages);
    }

    public StoreMetadata withCapacityPages(long value) {
        return new StoreMetadata(formatVersion, storeId, pageSizeBytes, value, epoch, growingToPages);
    }

    public StoreMetadata withGrowingToPages(long value) {
        return new StoreMetadata(formatVersion, storeId, pageSizeBytes, capacityPages, epoch, value);
    }

    /** Writes this metadata into {@code directory} durably and owner-only. */
    public void write(Path directory) throws IOException {
        if (storeId == null || formatVersion != FORMAT_VERSION) {
            throw new IllegalStateException("only a current-format store.properties with a storeId is written: " + this);
        }
        Properties properties = new Properties();
        properties.setProperty("formatVersion", Integer.toString(formatVersion));
        properties.setProperty("storeId", storeId.toString());
        properties.setProperty("pageSizeBytes", Integer.toString(pageSizeBytes));
        properties.setProperty("capacityPages", Long.toString(capacityPages));
        properties.setProperty("epoch", Long.toString(epoch));
        if (growingToPages > 0) {
            properties.setProperty("growingToPages", Long.toString(growingToPages));
        }
        StringWriter text = new StringWriter();
        properties.store(text, "pagestore store: written by its manager; never edit it, and never copy or restore it"
                + " without the rest of the directory (wal/ records the same storeId)");
        Path temporary = directory.resolve(FILE + ".tmp");
        Files.deleteIfExists(temporary);
        try (FileChannel channel = FileChannel.open(temporary, java.util.Set.of(StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(
                        "rw-------")))) {
            ByteBuffer bytes = StandardCharsets.UTF_8.encode(text.toString());
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            channel.force(true);
        }
        Files.move(temporary, directory.resolve(FILE), StandardCopyOption.ATOMIC_MOVE);
        try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
            dir.force(true);
        }
    }
}

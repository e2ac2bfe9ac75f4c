package dev.pagestore.torture.loop;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * The damage the WAL corruption loop does to a stopped store's log before its next start: what a disk, a file system
 * or an operator's copy can do to it.
 */
enum WalDamage {
    /** One bit of a record (between the newest segment's header and the end of what was written). */
    FLIP_RECORD_BIT,
    /** One bit of the last 4 KiB written: most likely inside the newest record, which recovery must then drop. */
    FLIP_LAST_RECORD_BIT,
    /** One bit of the newest segment's header. */
    FLIP_HEADER_BIT,
    /** One bit of the control file (the redo point, the log's identity). */
    FLIP_CONTROL_BIT,
    /** The newest segment cut short at a random length. */
    TRUNCATE_SEGMENT,
    /** The newest segment replaced by a segment of another store's log. */
    FOREIGN_SEGMENT,
    /** A copy of the newest segment under a later segment's name: a segment from the future. */
    FUTURE_SEGMENT;

    private static final int HEADER_BYTES = 4096;

    /**
     * Damages the log in {@code wal}; {@code foreign} is a segment file of another store (null when there is none
     * yet: then the newest segment's own header is damaged instead). Returns what was done, for the report.
     */
    String apply(Path wal, Path foreign, SplittableRandom random) throws IOException {
        Path newest = newestSegment(wal);
        switch (this) {
            case FLIP_RECORD_BIT -> {
                long end = writtenEnd(newest);
                if (end <= HEADER_BYTES) {
                    return FLIP_HEADER_BIT.apply(wal, foreign, random);
                }
                long at = HEADER_BYTES + random.nextLong(end - HEADER_BYTES);
                return flip(newest, at, random.nextInt(8));
            }
            case FLIP_LAST_RECORD_BIT -> {
                long end = writtenEnd(newest);
                if (end <= 2L * HEADER_BYTES) {
                    return FLIP_HEADER_BIT.apply(wal, foreign, random);
                }
                return flip(newest, end - 1 - random.nextInt(HEADER_BYTES), random.nextInt(8));
            }
            case FLIP_HEADER_BIT -> {
                return flip(newest, random.nextInt(HEADER_BYTES), random.nextInt(8));
            }
            case FLIP_CONTROL_BIT -> {
                Path control = wal.resolve("wal.control");
                return flip(control, random.nextLong(Files.size(control)), random.nextInt(8));
            }
            case TRUNCATE_SEGMENT -> {
                long length = random.nextLong(Math.max(1, writtenEnd(newest)));
                try (RandomAccessFile file = new RandomAccessFile(newest.toFile(), "rw")) {
                    file.setLength(length);
                }
                return "truncated " + newest.getFileName() + " to " + length + " bytes";
            }
            case FOREIGN_SEGMENT -> {
                if (foreign == null) {
                    return FLIP_HEADER_BIT.apply(wal, null, random);
                }
                Files.copy(foreign, newest, StandardCopyOption.REPLACE_EXISTING);
                return "replaced " + newest.getFileName() + " by " + foreign;
            }
            default -> {
                String name = newest.getFileName().toString();
                long number = Long.parseLong(name.substring(0, name.indexOf('.')), 16);
                Path future = wal.resolve(String.format("%016x.wal", number + 1 + random.nextInt(3)));
                Files.copy(newest, future, StandardCopyOption.REPLACE_EXISTING);
                return "copied " + name + " to " + future.getFileName();
            }
        }
    }

    /**
     * The segment the log's tail is in: the highest-numbered one with records past its header. A segment prepared in
     * advance (zeroes past its header) is not it: the log has not reached it, and damage there tests nothing.
     */
    static Path newestSegment(Path wal) throws IOException {
        List<Path> segments;
        try (Stream<Path> files = Files.list(wal)) {
            segments = files.filter(p -> p.getFileName().toString().matches("[0-9a-f]{16}\\.wal")).sorted().toList();
        }
        for (Path segment : segments.reversed()) {
            if (writtenEnd(segment) > HEADER_BYTES) {
                return segment;
            }
        }
        throw new IOException("no WAL segment with records in " + wal);
    }

    /** Just past the last non-zero byte: the end of what the log wrote into a zeroed, preallocated segment. */
    private static long writtenEnd(Path segment) throws IOException {
        byte[] bytes = Files.readAllBytes(segment);
        int end = bytes.length;
        while (end > 0 && bytes[end - 1] == 0) {
            end--;
        }
        return end;
    }

    private static String flip(Path file, long at, int bit) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(at);
            int b = f.read();
            f.seek(at);
            f.write(b ^ (1 << bit));
        }
        return "flipped bit " + bit + " of byte " + at + " of " + file.getFileName();
    }
}

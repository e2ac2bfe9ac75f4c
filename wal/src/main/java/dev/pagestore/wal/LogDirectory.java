package dev.pagestore.wal;

import java.io.IOException;
import java.util.List;

/**
 * The directory holding the WAL's segment files and control file: names, creation, rename and the directory's own
 * durability barrier. A create or rename is durable only after {@link #sync()} (the directory fsync that ext4, XFS
 * and every POSIX file system require for a new or renamed name to survive a crash).
 *
 * <p>Thread safety: implementations are safe for use from several threads; each {@link LogDevice} they hand out
 * follows the one-owner-thread rule of {@link LogDevice}.
 */
public interface LogDirectory {

    /** The names of the files in this directory, in no particular order. */
    List<String> list() throws IOException;

    /** Opens {@code name}; creates it empty when {@code create} is true and it does not exist. */
    LogDevice open(String name, boolean create) throws IOException;

    /** Atomically renames {@code from} to {@code to}, replacing {@code to} if it exists. */
    void rename(String from, String to) throws IOException;

    /** Removes {@code name}; a missing name is not an error. */
    void delete(String name) throws IOException;

    /** Makes every create, rename and delete so far durable (fsync of the directory). */
    void sync() throws IOException;

    /**
     * The bytes this directory's file system can still allocate to new files, as {@code statvfs} reports them to an
     * unprivileged user; {@link Long#MAX_VALUE} where unknown (a directory that is not a file system's). The log
     * checks it before it makes a new segment, so that an attempt bound to fail does not fill the disk while it lasts
     * ({@link SegmentFiles}).
     */
    default long usableSpaceBytes() throws IOException {
        return Long.MAX_VALUE;
    }

    /** A human-readable location, for messages. */
    String describe();
}

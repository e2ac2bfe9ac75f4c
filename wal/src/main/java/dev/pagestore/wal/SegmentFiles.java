package dev.pagestore.wal;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.security.SecureRandom;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Creates and recycles segment files.
 *
 * <p>A new segment is built under a temporary name (preallocated, zero filled so later overwrites need no extent
 * conversion and no journal commit in fdatasync &mdash; PostgreSQL's {@code wal_init_zero}, header written and
 * fdatasync'ed), then renamed to its final name and the directory fsync'ed: the final name never points at a file
 * without a durable header. A recycled segment (one wholly before the redo point, handed over by a checkpoint) gets
 * a new header with a new salt, fdatasync'ed, then is renamed and the directory fsync'ed; its old records keep the
 * old salt and old LSNs, so recovery can never take them for new ones. A spare that is not a whole segment is deleted
 * instead of recycled. A crash between the header write and the
 * rename leaves a file whose header names another segment: recovery treats it as spare.
 *
 * <p>A segment file found past the end of the log at open ({@link #offerPastTheEnd}) was never part of an
 * acknowledged record: most often the segment the last run prepared ahead. It is kept for its own number only, and
 * when the log reaches that number it gets a new header with a new salt in place (fdatasync'ed; the name already
 * exists, so there is no rename), instead of zero-filling a new 64 MiB file. Whatever records it holds keep their old
 * salt and can never pass as new, as in a recycled spare. A file of the wrong size is deleted and made anew.
 *
 * <p>Thread safety: {@link #prepare} and {@link #create} are called by one thread at a time (the opener, then the
 * {@link SegmentPreparer}'s thread, or the writer when nothing was prepared ahead); {@link #open} by the thread that
 * will append (so a queue-pair handle is pinned to it); {@link #offerSpare} from any thread (checkpoints).
 */
final class SegmentFiles {
    /** A segment open for appending. */
    record OpenSegment(long number, int salt, LogDevice device) {
    }

    /** How {@link #create} made a segment ({@link WalMetrics} counts each). */
    enum Made { RESALTED, RECYCLED, ZERO_FILLED }

    private static final int ZERO_CHUNK_BYTES = 1 << 20;

    private final LogDirectory directory;
    private final UUID logId;
    private final WalConfig config;
    private final WalMetrics metrics;
    private final SplittableRandom saltRandom;
    private final ConcurrentLinkedQueue<Long> spares = new ConcurrentLinkedQueue<>();
    /** Past-the-end segment files, each kept for its own number (never renamed, so no spare's name can collide). */
    private final java.util.Set<Long> pastTheEnd = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** @param logId the log every segment's header names (null: none) */
    SegmentFiles(LogDirectory directory, WalConfig config, WalMetrics metrics, UUID logId) {
        this.directory = directory;
        this.logId = logId;
        this.config = config;
        this.metrics = metrics;
        this.saltRandom = new SplittableRandom(config.saltSeed() != 0 ? config.saltSeed() : new SecureRandom().nextLong());
    }

    /** Hands over segment file {@code number} for reuse; it must be wholly before the redo point. */
    void offerSpare(long number) {
        spares.add(number);
    }

    /** Keeps segment file {@code number}, found past the end of the log at open, to be re-salted for that number. */
    void offerPastTheEnd(long number) {
        pastTheEnd.add(number);
    }

    int spareCount() {
        return spares.size();
    }

    /** Makes segment {@code number} ready for appending (recycled from a spare when one is available) and opens it. */
    OpenSegment prepare(long number) throws IOException {
        return open(number, create(number, false, () -> false));
    }

    /** Opens segment {@code number}, made by {@link #create} with {@code salt}, for appending on the calling thread. */
    OpenSegment open(long number, int salt) throws IOException {
        return new OpenSegment(number, salt, directory.open(WalSegmentDescriptor.fileName(number), false));
    }

    /**
     * Makes segment file {@code number} durable under its final name, with a fresh header and zeros or a recycled
     * spare's old records behind it, and returns its salt.
     *
     * @param paced fdatasync after every {@value #ZERO_CHUNK_BYTES}-byte chunk of zeros, so that a preparation beside a
     *              running log never queues more than one chunk ahead of the log's own fdatasync (one flush of the
     *              whole 64 MiB at the end held the log's commits for tens of milliseconds: bench/HISTORY.md)
     * @param cancelled checked between chunks: when it turns true the temporary file is deleted and this throws
     *                  {@link java.io.InterruptedIOException}, so a closing log is not renamed under
     */
    int create(long number, boolean paced, java.util.function.BooleanSupplier cancelled) throws IOException {
        String name = WalSegmentDescriptor.fileName(number);
        int salt = nextSalt();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment header = arena.allocate(WalSegmentDescriptor.HEADER_REGION_BYTES, config.writeAlignmentBytes());
            WalSegmentDescriptor.write(header, salt, number, config.segmentSizeBytes(), logId);
            if (pastTheEnd.remove(number) && resaltInPlace(name, header)) {
                metrics.onSegmentMade(Made.RESALTED);
                return salt;
            }
            Made how = Made.ZERO_FILLED;
            for (Long spare = spares.poll(); spare != null; spare = spares.poll()) {
                if (recycle(spare, name, header)) {
                    how = Made.RECYCLED;
                    break;
                }
            }
            if (how == Made.ZERO_FILLED) {
                String temp = name + ".tmp";
                directory.delete(temp);
                // Asked first: a preallocation bound to fail takes all the free space while it lasts (tmpfs gives it
                // back only when it fails, ext4 keeps what it got), and other writers on the disk fail meanwhile.
                long free = directory.usableSpaceBytes();
                if (free < config.segmentSizeBytes()) {
                    throw new WalNoSpaceException("segment " + number + " needs " + config.segmentSizeBytes()
                            + " bytes but " + directory.describe() + " has " + free + " free", null);
                }
                boolean made = false;
                try (LogDevice device = directory.open(temp, true)) {
                    // one queue pair for the whole fill (a queue-pair handle opened unpinned makes one per call: 130
                    // io_uring rings set up and torn down per segment); a no-op for plain files
                    device.transferOwnership(Thread.currentThread());
                    device.truncate(0);
                    device.preallocate(config.segmentSizeBytes());
                    MemorySegment zeros = arena.allocate(ZERO_CHUNK_BYTES, config.writeAlignmentBytes());
                    for (long at = WalSegmentDescriptor.HEADER_REGION_BYTES; at < config.segmentSizeBytes();
                         at += ZERO_CHUNK_BYTES) {
                        device.write(at, zeros.asSlice(0, Math.min(ZERO_CHUNK_BYTES, config.segmentSizeBytes() - at)));
                        if (paced) {
                            device.datasync();
                        }
                        if (cancelled.getAsBoolean()) {
                            device.close();
                            directory.delete(temp);
                            throw new java.io.InterruptedIOException("preparation of segment " + number
                                    + " cancelled: the log is closing");
                        }
                    }
                    device.write(0, header);
                    device.datasync();
                    made = true;
                } finally {
                    if (!made) {
                        deleteQuietly(temp); // a full disk: give back what the attempt allocated before it failed
                    }
                }
                directory.rename(temp, name);
            }
            directory.sync();
            metrics.onSegmentMade(how);
        }
        return salt;
    }

    /**
     * Makes spare {@code spare} segment file {@code name}: {@code header} written over its own and made durable, then
     * renamed. False, and the spare deleted, when it is not a whole segment (cut short or replaced while it waited):
     * recycled, it would be a live segment of the wrong size, which recovery refuses. False too when it is gone.
     */
    private boolean recycle(long spare, String name, MemorySegment header) throws IOException {
        String spareName = WalSegmentDescriptor.fileName(spare);
        boolean whole;
        try (LogDevice device = directory.open(spareName, false)) {
            whole = device.size() == config.segmentSizeBytes();
            if (whole) {
                device.write(0, header);
                device.datasync();
            }
        } catch (java.nio.file.NoSuchFileException gone) {
            return false;
        }
        if (!whole) {
            directory.delete(spareName);
            return false;
        }
        directory.rename(spareName, name);
        return true;
    }

    /**
     * Writes {@code header} over the one of the existing segment file {@code name} and makes it durable; false (and
     * the file deleted) when the file is not a whole segment, so that the caller makes one anew.
     */
    private boolean resaltInPlace(String name, MemorySegment header) throws IOException {
        try (LogDevice device = directory.open(name, false)) {
            if (device.size() == config.segmentSizeBytes()) {
                device.write(0, header);
                device.datasync();
                return true;
            }
        }
        directory.delete(name);
        return false;
    }

    private void deleteQuietly(String name) {
        try {
            directory.delete(name);
        } catch (IOException ignored) {
            // the next attempt deletes it first, and the next open deletes every temporary file
        }
    }

    private int nextSalt() {
        int salt;
        do {
            salt = saltRandom.nextInt();
        } while (salt == 0); // zero-filled space must never carry a matching salt
        return salt;
    }

    /** Closes {@code device}, ignoring a failure: after the last sync, or after a failure, it loses nothing further. */
    static void closeQuietly(LogDevice device) {
        try {
            device.close();
        } catch (IOException ignored) {
            // nothing further to lose: see above
        }
    }
}

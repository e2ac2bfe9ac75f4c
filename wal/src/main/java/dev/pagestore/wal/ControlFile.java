package dev.pagestore.wal;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Optional;
import java.util.UUID;

/**
 * The WAL's durable redo point, in the two-slot file described by {@link ControlFileDescriptor}.
 *
 * <p>Creation writes slot 0 into {@code wal.control.tmp}, fdatasyncs it, renames it to {@code wal.control} and
 * fsyncs the directory, so the final name never points at a half-written file. Each {@link #write} goes to the slot
 * the current state is not in, then fdatasyncs; a crash at any byte leaves the older slot valid.
 *
 * <p>Opened with a log id, it refuses a file that names another owner ({@link LogIdMismatchException}) before
 * anything reads the log; a file with no id (written before ids, or without one) takes the id at its next write.
 *
 * <p>Thread safety: not thread-safe; the WAL calls it under its checkpoint lock.
 */
public final class ControlFile implements AutoCloseable {
    private static final String TEMP_NAME = ControlFileDescriptor.FILE_NAME + ".tmp";

    private final LogDevice device;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment slot;
    private ControlFileDescriptor.State current;

    private ControlFile(LogDevice device, ControlFileDescriptor.State current) {
        this.device = device;
        this.current = current;
        this.slot = arena.allocate(ControlFileDescriptor.SLOT_STRIDE_BYTES, ControlFileDescriptor.SLOT_STRIDE_BYTES);
    }

    /** Opens the control file in {@code directory}, creating it with {@code initialRedoLsn} when it does not exist. */
    public static ControlFile openOrCreate(LogDirectory directory, long segmentSizeBytes, long initialRedoLsn)
            throws IOException {
        return openOrCreate(directory, segmentSizeBytes, initialRedoLsn, null);
    }

    /**
     * As {@link #openOrCreate(LogDirectory, long, long)}, for the owner {@code logId} (null: none): a new file records
     * it, an existing file must carry it or none.
     *
     * @throws LogIdMismatchException when the file names another owner
     */
    public static ControlFile openOrCreate(LogDirectory directory, long segmentSizeBytes, long initialRedoLsn,
            UUID logId) throws IOException {
        if (!directory.list().contains(ControlFileDescriptor.FILE_NAME)) {
            directory.delete(TEMP_NAME);
            try (LogDevice temp = directory.open(TEMP_NAME, true); Arena arena = Arena.ofConfined()) {
                MemorySegment image = arena.allocate(ControlFileDescriptor.FILE_LENGTH, 512);
                ControlFileDescriptor.State first =
                        new ControlFileDescriptor.State(1, initialRedoLsn, segmentSizeBytes, logId);
                int slotIndex = (int) (first.sequence() % ControlFileDescriptor.SLOT_COUNT);
                ControlFileDescriptor.write(image.asSlice((long) slotIndex * ControlFileDescriptor.SLOT_STRIDE_BYTES,
                        ControlFileDescriptor.SLOT_STRIDE_BYTES), slotIndex, first);
                temp.truncate(0);
                temp.write(0, image);
                temp.datasync();
            }
            directory.rename(TEMP_NAME, ControlFileDescriptor.FILE_NAME);
            directory.sync();
        }
        LogDevice device = directory.open(ControlFileDescriptor.FILE_NAME, false);
        boolean success = false;
        try {
            ControlFileDescriptor.State state = readState(device);
            if (state == null) {
                throw new IOException("control file " + ControlFileDescriptor.FILE_NAME + " in "
                        + directory.describe() + " has no valid slot: the redo point is lost");
            }
            if (state.segmentSizeBytes() != segmentSizeBytes) {
                throw new IllegalArgumentException("segmentSizeBytes=" + segmentSizeBytes + " but the log in "
                        + directory.describe() + " was written with " + state.segmentSizeBytes());
            }
            if (logId != null && state.logId() != null && !logId.equals(state.logId())) {
                throw new LogIdMismatchException(directory.describe(), logId, state.logId());
            }
            if (logId != null && state.logId() == null) {
                // no id yet (written before ids): it takes this one at the next checkpoint
                state = new ControlFileDescriptor.State(state.sequence(), state.redoLsn(), state.segmentSizeBytes(),
                        logId);
            }
            ControlFile file = new ControlFile(device, state);
            success = true;
            return file;
        } finally {
            if (!success) {
                device.close();
            }
        }
    }

    /** The valid slot with the highest sequence, or null when neither slot is valid. */
    static ControlFileDescriptor.State readState(LogDevice device) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment image = arena.allocate(ControlFileDescriptor.FILE_LENGTH, 512);
            long n = device.read(0, image);
            ControlFileDescriptor.State best = null;
            for (int i = 0; i < ControlFileDescriptor.SLOT_COUNT; i++) {
                long at = (long) i * ControlFileDescriptor.SLOT_STRIDE_BYTES;
                if (at + ControlFileDescriptor.SLOT_LENGTH > n) {
                    continue;
                }
                ControlFileDescriptor.State state = ControlFileDescriptor.read(
                        image.asSlice(at, ControlFileDescriptor.SLOT_STRIDE_BYTES), i);
                if (state != null && (best == null || state.sequence() > best.sequence())) {
                    best = state;
                }
            }
            return best;
        }
    }

    /**
     * The state the control file of {@code directory} holds, read without changing anything; empty when there is no
     * control file.
     *
     * @throws IOException when the file has no valid slot
     */
    public static Optional<ControlFileDescriptor.State> read(LogDirectory directory) throws IOException {
        if (!directory.list().contains(ControlFileDescriptor.FILE_NAME)) {
            return Optional.empty();
        }
        try (LogDevice device = directory.open(ControlFileDescriptor.FILE_NAME, false)) {
            ControlFileDescriptor.State state = readState(device);
            if (state == null) {
                throw new IOException("control file " + ControlFileDescriptor.FILE_NAME + " in "
                        + directory.describe() + " has no valid slot: the redo point is lost");
            }
            return Optional.of(state);
        }
    }

    /**
     * The owner's id in the control file of {@code directory}, read without changing anything; empty when there is no
     * control file or it carries no id.
     *
     * @throws IOException when the file has no valid slot
     */
    public static Optional<UUID> readLogId(LogDirectory directory) throws IOException {
        return read(directory).map(ControlFileDescriptor.State::logId);
    }

    public ControlFileDescriptor.State current() {
        return current;
    }

    /** Durably records {@code redoLsn} (next sequence, the other slot, fdatasync). */
    public void write(long redoLsn) throws IOException {
        ControlFileDescriptor.State next = new ControlFileDescriptor.State(current.sequence() + 1, redoLsn,
                current.segmentSizeBytes(), current.logId());
        int slotIndex = (int) (next.sequence() % ControlFileDescriptor.SLOT_COUNT);
        ControlFileDescriptor.write(slot, slotIndex, next);
        device.write((long) slotIndex * ControlFileDescriptor.SLOT_STRIDE_BYTES, slot);
        device.datasync();
        current = next;
    }

    @Override
    public void close() throws IOException {
        try {
            device.close();
        } finally {
            arena.close();
        }
    }
}

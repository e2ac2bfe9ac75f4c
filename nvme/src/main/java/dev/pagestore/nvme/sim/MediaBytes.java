package dev.pagestore.nvme.sim;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * The non-volatile bytes of a {@link SimulatedMedia}: a memory-mapped file, or memory allocated one chunk at a time
 * on the chunk's first write. A simulated file is mostly never written (a WAL segment of 64 MiB of which a test
 * writes a few pages), and zeroing its whole capacity up front cost most of a power-loss seed's time. A chunk never
 * written reads as zeroes, as a new device does. Not thread-safe: {@link SimulatedMedia} holds its lock.
 */
final class MediaBytes implements AutoCloseable {
    private static final int CHUNK_SHIFT = 20;
    private static final long CHUNK_BYTES = 1L << CHUNK_SHIFT;

    private final Arena arena;
    private final MemorySegment mapped;
    private final MemorySegment[] chunks;
    private boolean closed;

    private MediaBytes(Arena arena, MemorySegment mapped, long capacityBytes) {
        this.arena = arena;
        this.mapped = mapped;
        this.chunks = mapped != null ? null
                : new MemorySegment[Math.toIntExact((capacityBytes + CHUNK_BYTES - 1) >>> CHUNK_SHIFT)];
    }

    /** Zeroed memory of {@code capacityBytes}, allocated as it is written. */
    static MediaBytes inMemory(long capacityBytes) {
        return new MediaBytes(Arena.ofShared(), null, capacityBytes);
    }

    /** The first {@code capacityBytes} of {@code file} (grown to that length if shorter), mapped. */
    static MediaBytes mapped(Path file, long capacityBytes) throws IOException {
        Arena arena = Arena.ofShared();
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            if (raf.length() < capacityBytes) {
                raf.setLength(capacityBytes);
            }
            return new MediaBytes(arena, raf.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, capacityBytes, arena),
                    capacityBytes);
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /** Copies {@code length} bytes at {@code offset} into {@code destination} at {@code destinationOffset}. */
    void read(long offset, MemorySegment destination, long destinationOffset, long length) {
        checkOpen();
        if (mapped != null) {
            MemorySegment.copy(mapped, offset, destination, destinationOffset, length);
            return;
        }
        for (long done = 0; done < length; ) {
            long position = offset + done;
            long chunk = Math.min(CHUNK_BYTES - (position & (CHUNK_BYTES - 1)), length - done);
            MemorySegment memory = chunks[(int) (position >>> CHUNK_SHIFT)];
            if (memory == null) {
                destination.asSlice(destinationOffset + done, chunk).fill((byte) 0);
            } else {
                MemorySegment.copy(memory, position & (CHUNK_BYTES - 1), destination, destinationOffset + done, chunk);
            }
            done += chunk;
        }
    }

    /** Copies {@code length} bytes of {@code source} from {@code sourceOffset} to {@code offset}. */
    void write(MemorySegment source, long sourceOffset, long offset, long length) {
        checkOpen();
        if (mapped != null) {
            MemorySegment.copy(source, sourceOffset, mapped, offset, length);
            return;
        }
        for (long done = 0; done < length; ) {
            long position = offset + done;
            long chunk = Math.min(CHUNK_BYTES - (position & (CHUNK_BYTES - 1)), length - done);
            MemorySegment from = source.asSlice(sourceOffset + done, chunk);
            // a file made by writing zeroes over it (a WAL segment's preallocation) allocates nothing
            if (chunks[(int) (position >>> CHUNK_SHIFT)] != null || !isZeroes(from)) {
                MemorySegment.copy(from, 0, chunkAt(position), position & (CHUNK_BYTES - 1), chunk);
            }
            done += chunk;
        }
    }

    /** Writes zeroes over {@code length} bytes at {@code offset}. */
    void zero(long offset, long length) {
        checkOpen();
        if (mapped != null) {
            mapped.asSlice(offset, length).fill((byte) 0);
            return;
        }
        for (long done = 0; done < length; ) {
            long position = offset + done;
            long chunk = Math.min(CHUNK_BYTES - (position & (CHUNK_BYTES - 1)), length - done);
            MemorySegment memory = chunks[(int) (position >>> CHUNK_SHIFT)];
            if (memory != null) {  // a chunk never written is zeroes already
                memory.asSlice(position & (CHUNK_BYTES - 1), chunk).fill((byte) 0);
            }
            done += chunk;
        }
    }

    byte get(long offset) {
        checkOpen();
        if (mapped != null) {
            return mapped.get(ValueLayout.JAVA_BYTE, offset);
        }
        MemorySegment memory = chunks[(int) (offset >>> CHUNK_SHIFT)];
        return memory == null ? 0 : memory.get(ValueLayout.JAVA_BYTE, offset & (CHUNK_BYTES - 1));
    }

    void set(long offset, byte value) {
        checkOpen();
        if (mapped != null) {
            mapped.set(ValueLayout.JAVA_BYTE, offset, value);
        } else {
            chunkAt(offset).set(ValueLayout.JAVA_BYTE, offset & (CHUNK_BYTES - 1), value);
        }
    }

    /** Makes a mapped file's written pages reach its disk; nothing for memory. */
    void force() {
        if (mapped != null) {
            mapped.force();
        }
    }

    private void checkOpen() {
        if (closed) {  // as a closed arena's memory would: never zeroes read from a device that is gone
            throw new IllegalStateException("the simulated media is closed");
        }
    }

    private static boolean isZeroes(MemorySegment bytes) {
        long at = 0;
        for (; at + Long.BYTES <= bytes.byteSize(); at += Long.BYTES) {
            if (bytes.get(ValueLayout.JAVA_LONG_UNALIGNED, at) != 0) {
                return false;
            }
        }
        for (; at < bytes.byteSize(); at++) {
            if (bytes.get(ValueLayout.JAVA_BYTE, at) != 0) {
                return false;
            }
        }
        return true;
    }

    private MemorySegment chunkAt(long position) {
        int index = (int) (position >>> CHUNK_SHIFT);
        MemorySegment memory = chunks[index];
        if (memory == null) {
            memory = arena.allocate(CHUNK_BYTES, 4096);  // zeroed
            chunks[index] = memory;
        }
        return memory;
    }

    @Override
    public void close() {
        closed = true;
        arena.close();
    }
}

package dev.pagestore.ipc.linux;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * The alignment that {@code O_DIRECT} I/O on a file needs: of the memory buffer, and of the file offset and length.
 *
 * <p>Read from {@code statx(2)} with {@code STATX_DIOALIGN} (Linux 6.1+, on file systems that report it). Where the
 * kernel or file system does not report it, the fallback is the file system's preferred block size
 * ({@code stx_blksize}) for both, which is always enough for ext4 and xfs; {@link #source()} says which was used.
 *
 * @param memoryAlignBytes  buffer address alignment ({@code stx_dio_mem_align}); 0 means direct I/O is unsupported
 * @param offsetAlignBytes  file offset and length alignment ({@code stx_dio_offset_align})
 * @param source            where the numbers came from
 */
public record DirectIoAlignment(int memoryAlignBytes, int offsetAlignBytes, Source source) {

    /** Where an alignment came from. */
    public enum Source { STATX_DIOALIGN, BLOCK_SIZE_FALLBACK }

    // statx(2) layout, from include/uapi/linux/stat.h (identical on x86_64 and aarch64).
    private static final int STATX_SIZE = 256;
    private static final int STX_MASK_OFFSET = 0;
    private static final int STX_BLKSIZE_OFFSET = 4;
    private static final int STX_DIO_MEM_ALIGN_OFFSET = 152;
    private static final int STX_DIO_OFFSET_ALIGN_OFFSET = 156;
    private static final int AT_FDCWD = -100;
    private static final int STATX_BASIC_STATS = 0x7ff;
    private static final int STATX_DIOALIGN = 0x2000;

    /** Whether {@code O_DIRECT} I/O is possible at all (the kernel reports 0 when it is not). */
    public boolean directIoSupported() {
        return memoryAlignBytes > 0 && offsetAlignBytes > 0;
    }

    /**
     * The alignment for {@code path} (a file, a block device, or a directory for files created in it).
     *
     * @throws ErrnoException when {@code statx} itself fails, for example {@code ENOENT}
     */
    public static DirectIoAlignment of(Path path) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment statx = arena.allocate(STATX_SIZE, 8);
            MemorySegment cPath = arena.allocateFrom(path.toString());
            long result = Libc.syscall(Arch.CURRENT.sysStatx, AT_FDCWD, cPath.address(), 0,
                    STATX_BASIC_STATS | STATX_DIOALIGN, statx.address(), 0);
            if (result == -Errno.ENOSYS.number()) {
                // Kernels before 4.11 have no statx: assume the common 4 KiB, the largest logical block size in use.
                return new DirectIoAlignment(4096, 4096, Source.BLOCK_SIZE_FALLBACK);
            }
            Libc.check(result, "statx", path.toString());
            int mask = statx.get(JAVA_INT, STX_MASK_OFFSET);
            if ((mask & STATX_DIOALIGN) != 0) {
                return new DirectIoAlignment(statx.get(JAVA_INT, STX_DIO_MEM_ALIGN_OFFSET),
                        statx.get(JAVA_INT, STX_DIO_OFFSET_ALIGN_OFFSET), Source.STATX_DIOALIGN);
            }
            int blockSize = Math.max(512, statx.get(JAVA_INT, STX_BLKSIZE_OFFSET));
            return new DirectIoAlignment(blockSize, blockSize, Source.BLOCK_SIZE_FALLBACK);
        }
    }

    /** Checks that {@code pageSizeBytes} satisfies this alignment, with a message naming both. */
    public void checkPageSize(int pageSizeBytes) throws IOException {
        if (!directIoSupported()) {
            throw new IOException("the file system does not support O_DIRECT (statx reports alignment 0)");
        }
        if (pageSizeBytes % offsetAlignBytes != 0 || pageSizeBytes % memoryAlignBytes != 0) {
            throw new IOException("pageSize=" + pageSizeBytes + " is not a multiple of the direct I/O alignment "
                    + "(memory " + memoryAlignBytes + ", offset " + offsetAlignBytes + ")");
        }
    }
}

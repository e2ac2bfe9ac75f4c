package dev.pagestore.nvme.uring;

/**
 * A file as an {@link IoUring} addresses it: the descriptor, and its index in the ring's registered file table when
 * registration succeeded ({@code IOSQE_FIXED_FILE} then saves the kernel a file-table lookup and reference count per
 * I/O). Made once at start-up, so preparing an operation allocates nothing.
 *
 * @param fd         the open file descriptor (owned by the caller; the ring never closes it)
 * @param fixedIndex the registered-file index, or -1 when the file is used by descriptor
 */
public record RingFile(int fd, int fixedIndex) {
    public RingFile {
        if (fd < 0) {
            throw new IllegalArgumentException("fd=" + fd + " is not an open file descriptor");
        }
        if (fixedIndex < -1) {
            throw new IllegalArgumentException("fixedIndex=" + fixedIndex + " must be -1 or a table index");
        }
    }

    /** A file used by descriptor, without registration. */
    public static RingFile unregistered(int fd) {
        return new RingFile(fd, -1);
    }

    public boolean registered() {
        return fixedIndex >= 0;
    }
}

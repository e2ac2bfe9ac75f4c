/**
 * io_uring through raw system calls (FFM, no liburing): {@link dev.pagestore.nvme.uring.IoUring} owns one ring — SQ,
 * CQ and SQE array mmapped — and is used by exactly one thread, the one that created it (checked on every call; the
 * kernel checks too with {@code IORING_SETUP_SINGLE_ISSUER}). The binary formats it shares with the kernel are
 * described in {@link dev.pagestore.nvme.uring.IoUringParamsDescriptor},
 * {@link dev.pagestore.nvme.uring.SqeDescriptor} and {@link dev.pagestore.nvme.uring.CqeDescriptor};
 * {@link dev.pagestore.nvme.uring.DirectIoFile} opens the {@code O_DIRECT} data file it reads and writes.
 *
 * <p>How a queue-pair backend wraps a ring (one ring per queue pair, created on the queue pair's owner thread):
 * open a {@link dev.pagestore.nvme.uring.DirectIoFile}, {@code registerFiles(fd)} and {@code registerBuffers(slab)}
 * once; read/write/flush become {@code prepareRead/prepareWrite/prepareFsync(file, true, cid)} with the command id as
 * caller id (a {@code false} return is "queue full"); the doorbell is {@code submit()}; {@code poll(max, handler)} is
 * {@code reap(max, ...)}, mapping {@code (cid, op, res)} through {@link dev.pagestore.nvme.uring.CompletionStatus};
 * a deadline that passes issues {@code prepareCancel(op, cid, cancelId)} and keeps the buffer fenced until the
 * target's own completion is reaped; {@code close()} is {@code close(wait, handler)}, which reports what stayed in
 * flight. Write-zeroes is {@code prepareFallocate} with {@code FALLOC_FL_ZERO_RANGE}.
 *
 * <p>{@link dev.pagestore.nvme.uring.IoUringBlockDevice} and {@link dev.pagestore.nvme.uring.IoUringBackend} are that
 * backend: the default {@link dev.pagestore.nvme.QueuePair} on Linux.
 *
 * <p>The ring classes own the ring mechanics only. Command ids, outstanding-command tracking, deadlines and retries
 * belong to the queue-pair layer above it, which wraps one {@code IoUring} per queue pair. System calls come from
 * {@code dev.pagestore.ipc.linux} (DESIGN.md §7); nothing here binds native functions itself.
 */
package dev.pagestore.nvme.uring;

/**
 * io_uring through raw system calls (FFM, no liburing): {@link dev.pagestore.nvme.uring.IoUring} owns one ring — SQ,
 * CQ and SQE array mmapped — and is used by exactly one thread, the one that created it (checked on every call; the
 * kernel checks too with {@code IORING_SETUP_SINGLE_ISSUER}). The binary formats it shares with the kernel are
 * described in {@link dev.pagestore.nvme.uring.IoUringParamsDescriptor},
 * {@link dev.pagestore.nvme.uring.SqeDescriptor} and {@link dev.pagestore.nvme.uring.CqeDescriptor};
 * {@link dev.pagestore.nvme.uring.DirectIoFile} opens the {@code O_DIRECT} data file it reads and writes.
 *
 * <p>This package owns the ring mechanics only. Command ids, outstanding-command tracking, deadlines and retries
 * belong to the queue-pair layer above it, which wraps one {@code IoUring} per queue pair. System calls come from
 * {@code dev.pagestore.ipc.linux} (DESIGN.md §7); nothing here binds native functions itself.
 */
package dev.pagestore.nvme.uring;

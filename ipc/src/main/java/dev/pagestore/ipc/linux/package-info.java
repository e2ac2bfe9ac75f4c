/**
 * Linux bindings through FFM ({@code java.lang.foreign}), the only native interface in pagestore: no JNI, no
 * {@code Unsafe} memory access, nothing to compile.
 *
 * <p>{@link dev.pagestore.ipc.linux.Libc} binds libc once and captures {@code errno} on every call; its functions are
 * grouped by subject in {@link dev.pagestore.ipc.linux.LibcFiles}, {@link dev.pagestore.ipc.linux.LibcMemory},
 * {@link dev.pagestore.ipc.linux.LibcSockets} and {@link dev.pagestore.ipc.linux.LibcProcesses};
 * {@link dev.pagestore.ipc.linux.Arch} holds the system call numbers. Everything else here is built on those two:
 * {@link dev.pagestore.ipc.linux.Futex} (cross-process wait/wake), {@link dev.pagestore.ipc.linux.MemfdRegion}
 * (sealed anonymous shared memory, the manager's), {@link dev.pagestore.ipc.linux.SharedMemoryRegion} ({@code /dev/shm},
 * tests and benchmarks), {@link dev.pagestore.ipc.linux.UnixSocket} and {@link dev.pagestore.ipc.linux.UnixListener}
 * (descriptor passing, {@code SO_PEERCRED}), {@link dev.pagestore.ipc.linux.PollSet} and
 * {@link dev.pagestore.ipc.linux.EventFd}, {@link dev.pagestore.ipc.linux.ExclusiveLock} ({@code flock} ownership naming the holder),
 * {@link dev.pagestore.ipc.linux.DirectIoAlignment} ({@code statx DIOALIGN}), the raw io_uring calls and probes,
 * resource limits, and what ownership that survives deletion is built from:
 * {@link dev.pagestore.ipc.linux.FileStatus} ({@code statx} of a descriptor or a path: still the same inode?),
 * {@link dev.pagestore.ipc.linux.AbstractNameClaim} (an abstract socket name as a token no file operation removes,
 * its holder named by {@code SO_PEERCRED}) and {@link dev.pagestore.ipc.linux.ParentWatch} (a child that ends with
 * its parent), and {@link dev.pagestore.ipc.linux.ProcessStartTime} (when a process started, from
 * {@code /proc/PID/stat} alone, never from its memory). Other modules must not bind native functions themselves
 * (DESIGN.md §7).
 */
package dev.pagestore.ipc.linux;

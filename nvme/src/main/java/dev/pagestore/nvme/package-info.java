/**
 * Devices and queue pairs (DESIGN.md §4): {@link dev.pagestore.nvme.BlockDevice} and
 * {@link dev.pagestore.nvme.QueuePair}, independent of the backend.
 *
 * <p>The ownership rule: a queue pair is used by exactly one thread, its owner; any other thread's call throws
 * {@link dev.pagestore.ipc.owner.OwnerThreadException} naming both threads. A completion whose command id maps to
 * no outstanding command is counted and reported, never applied. A timed-out command's buffer stays fenced until the
 * device's real completion. See the module's README.md for the rule, the fault model and the backends.
 *
 * <p>May use: {@code dev.pagestore.ipc.linux} (native bindings). May not use: the WAL or the page store.
 */
package dev.pagestore.nvme;

/**
 * Ordered access to words in shared memory ({@link dev.pagestore.ipc.memory.OrderedAccess}): the one place where the
 * rings, wait strategies and channel header turn a memory-ordering decision into a {@code VarHandle} call.
 */
package dev.pagestore.ipc.memory;

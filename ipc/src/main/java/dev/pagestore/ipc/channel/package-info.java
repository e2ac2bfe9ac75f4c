/**
 * Channels: one shared-memory region per worker (a sealed, anonymous memfd passed to that worker alone; a named
 * {@code /dev/shm} file only in ring tests and benchmarks), created by the manager and attached by the worker, holding
 * a request ring, a completion ring and a slab of page buffers ({@link dev.pagestore.ipc.channel.Channel},
 * {@link dev.pagestore.ipc.channel.ChannelDescriptor}). Attach validates every header field and refuses anything else
 * with a {@link dev.pagestore.ipc.channel.ChannelFormatException} saying what was expected and what was found. Who may
 * touch what is stated on {@link dev.pagestore.ipc.channel.Channel}; see also {@code ipc/README.md}.
 */
package dev.pagestore.ipc.channel;

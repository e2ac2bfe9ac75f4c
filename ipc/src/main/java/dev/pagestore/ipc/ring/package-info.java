/**
 * Single-producer/single-consumer rings in shared memory, Disruptor style: {@link dev.pagestore.ipc.ring.RingDescriptor}
 * (header and sequences, each written by one process, two cache lines apart), fixed-size entries
 * ({@link dev.pagestore.ipc.ring.RequestDescriptor}, 64 bytes like an NVMe SQE;
 * {@link dev.pagestore.ipc.ring.CompletionDescriptor}, 32 bytes like a CQE), and the two ends
 * {@link dev.pagestore.ipc.ring.RingProducer} (batch claim, publish with one release store) and
 * {@link dev.pagestore.ipc.ring.RingConsumer} (batch take, release with one release store). No locks, no allocation
 * per entry; a sequence that the other process moves backwards or past capacity is a
 * {@link dev.pagestore.ipc.ring.RingProtocolException}.
 */
package dev.pagestore.ipc.ring;

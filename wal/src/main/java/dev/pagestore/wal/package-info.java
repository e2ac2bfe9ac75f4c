/**
 * The write-ahead log (DESIGN.md §5): full page images and atomic multi-page groups in CRC-32C-checked records,
 * group commit on an LMAX Disruptor ring with one writer thread, checkpoints through a two-slot control file, and
 * crash recovery that applies each page's last image once.
 *
 * <p>Owns: the record, segment and control-file formats ({@code *Descriptor}), the {@link dev.pagestore.wal.LogDevice}
 * contract and its implementations on files and on {@code nvme} queue pairs (the fault-injecting and simulated ones
 * are in the test-jar). May use {@code dev.pagestore.ipc.linux} for system calls;
 * must not know about the page store, workers or rings above it. See {@code wal/README.md}.
 */
package dev.pagestore.wal;

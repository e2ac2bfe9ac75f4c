/**
 * The {@link java.nio.channels.FileChannel} backend, for machines without io_uring: commands execute synchronously at
 * submit and their completions are queued for poll (see {@link dev.pagestore.nvme.portable.PortableBlockDevice}).
 */
package dev.pagestore.nvme.portable;

/** What manager and client agree on beyond the ipc descriptors: fenced-slot timeouts, batches, file locations. */
package dev.pagestore.protocol;

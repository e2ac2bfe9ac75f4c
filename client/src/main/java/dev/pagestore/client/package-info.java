/**
 * The worker-side library: {@link dev.pagestore.client.PageStoreClient} (one channel, any thread),
 * {@link dev.pagestore.client.PageStore} (a few clients shared by a whole process), typed errors
 * ({@link dev.pagestore.client.PageStoreException}, {@link dev.pagestore.client.ErrorCode}) and read access to the
 * manager's page-version table for page caches. Depends on {@code ipc} (channels, control plane) and on
 * {@code dev.pagestore.status}/{@code dev.pagestore.protocol}; never on the manager.
 */
package dev.pagestore.client;

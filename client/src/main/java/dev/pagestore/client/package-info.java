/**
 * The worker-side library: {@link dev.pagestore.client.PageStoreClient} (one owner thread, one channel),
 * {@link dev.pagestore.client.PageStore} (any thread: one client per thread), typed errors
 * ({@link dev.pagestore.client.PageStoreException}, {@link dev.pagestore.client.ErrorCode}) and read access to the
 * manager's page-version table for page caches. Depends on {@code ipc} (channels, control plane) and on
 * {@code dev.pagestore.status}/{@code dev.pagestore.protocol}; never on the manager.
 */
package dev.pagestore.client;

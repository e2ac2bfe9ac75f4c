/**
 * The worker-side page cache: {@link dev.pagestore.cache.PageCache} on Caffeine, kept coherent across processes by
 * the manager's page-version table ({@link dev.pagestore.status.PageVersions}). Depends on {@code client} and
 * {@code status}, never on the manager.
 */
package dev.pagestore.cache;

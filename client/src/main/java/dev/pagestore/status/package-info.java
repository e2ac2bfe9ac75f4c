/**
 * The manager's status region: its binary layout ({@link dev.pagestore.status.StatusRegionDescriptor}) and the
 * read-only view workers and {@code pagestore stat} use ({@link dev.pagestore.status.StatusView}), including the
 * page-version table a worker page cache validates entries against ({@link dev.pagestore.status.PageVersions}).
 * The manager writes it ({@code dev.pagestore.manager.StatusRegion}); nothing else does.
 */
package dev.pagestore.status;

package dev.pagestore.status;

/**
 * The manager's page-version table, as a page cache sees it (see {@link StatusRegionDescriptor}, "Page versions").
 * Read the version before reading a page; the cached copy stays valid while {@link #version} returns the same value.
 */
public interface PageVersions {
    /** The current version of {@code pageNumber}'s bucket (acquire load); never repeats across manager restarts. */
    long version(long pageNumber);

    /** The epoch of the manager that publishes this table. */
    long epoch();
}

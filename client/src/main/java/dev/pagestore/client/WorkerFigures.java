package dev.pagestore.client;

/**
 * Figures this worker reports of itself through its channel, where the manager copies them into its status region
 * for {@code pagestore stat --workers}. A page cache in front of the client reports its lookups and evictions here.
 * The manager shows them as the worker's word, never acts on them. Adding costs a striped counter's add; the
 * process's manager-watch thread copies the sums into the channel at least every 100 ms.
 *
 * <p>Thread safety: any thread. Figures added while the client re-attaches may go to the old channel; the new
 * manager counts from zero anyway.
 */
public final class WorkerFigures {
    private final Reattachment attachment;

    WorkerFigures(Reattachment attachment) {
        this.attachment = attachment;
    }

    /** Adds a page cache's lookups: {@code hits} served from it, {@code misses} that went to the store. */
    public void cacheLookups(long hits, long misses) {
        ReportedFigures reported = attachment.connection().reported;
        reported.add(ReportedFigures.CACHE_HITS, hits);
        reported.add(ReportedFigures.CACHE_MISSES, misses);
    }

    /** Adds entries a page cache evicted to stay within its bound. */
    public void cacheEvictions(long evictions) {
        attachment.connection().reported.add(ReportedFigures.CACHE_EVICTIONS, evictions);
    }
}

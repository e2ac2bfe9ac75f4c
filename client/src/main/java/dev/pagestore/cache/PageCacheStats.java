package dev.pagestore.cache;

/**
 * A snapshot of a {@link PageCache}'s counters.
 *
 * @param hits           lookups answered from the cache (entry present and its version still current)
 * @param misses         lookups that read the store: absent entries plus {@code staleEntries}
 * @param staleEntries   lookups that found an entry whose version had moved (another write, or a new manager)
 * @param evictions      entries Caffeine evicted to stay within the byte bound
 * @param weightBytes    bytes cached now (page bytes only)
 */
public record PageCacheStats(long hits, long misses, long staleEntries, long evictions, long weightBytes) {
    /** hits / (hits + misses), or 0 before any lookup. */
    public double hitRate() {
        long lookups = hits + misses;
        return lookups == 0 ? 0 : (double) hits / lookups;
    }
}

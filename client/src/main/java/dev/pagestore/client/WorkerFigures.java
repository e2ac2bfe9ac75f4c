package dev.pagestore.client;

import dev.pagestore.ipc.channel.ChannelDescriptor;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * Figures this worker reports of itself through its channel, where the manager copies them into its status region
 * for {@code pagestore stat --workers}. A page cache in front of the client reports its lookups and evictions here.
 * The manager shows them as the worker's word, never acts on them.
 *
 * <p>Thread safety: any thread (atomic adds). A figure added while the client re-attaches may be lost with the old
 * channel; the new manager counts from zero anyway.
 */
public final class WorkerFigures {
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    private static final long HITS = ChannelDescriptor.WORKER_FIGURES;
    private static final long MISSES = HITS + Long.BYTES;
    private static final long EVICTIONS = MISSES + Long.BYTES;

    private final Reattachment attachment;

    WorkerFigures(Reattachment attachment) {
        this.attachment = attachment;
    }

    /** Adds a page cache's lookups: {@code hits} served from it, {@code misses} that went to the store. */
    public void cacheLookups(long hits, long misses) {
        add(HITS, hits);
        add(MISSES, misses);
    }

    /** Adds entries a page cache evicted to stay within its bound. */
    public void cacheEvictions(long evictions) {
        add(EVICTIONS, evictions);
    }

    private void add(long offset, long delta) {
        if (delta == 0) {
            return;
        }
        try {
            LONG.getAndAdd(attachment.connection().channel.segment(), offset, delta);
        } catch (IllegalStateException e) {
            // The channel was closed meanwhile (detached, or its manager died): the figure goes with it.
        }
    }
}

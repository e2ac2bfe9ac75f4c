package dev.pagestore.cache;

import dev.pagestore.client.PageStore;
import dev.pagestore.client.PageStoreClient;
import dev.pagestore.client.PageStoreException;
import dev.pagestore.status.PageVersions;
import dev.pagestore.status.StatusRegionDescriptor;
import dev.pagestore.status.StatusView;
import java.util.Objects;

/**
 * The page-version table of whichever manager a client is attached to now, or {@link PageCache#UNKNOWN_VERSION}
 * while the client's manager is gone.
 *
 * <p>Why "unknown" while disconnected: the old manager's status region stays mapped but frozen, while a new manager
 * may already acknowledge writes that the frozen table cannot show. A cache hit then needs no request, so nothing
 * would ever notice the new manager; answering "unknown" turns every lookup into a read, which goes through the
 * client (re-attaching or failing with {@code MANAGER_GONE}). After re-attach the new manager's versions start at
 * its new {@code epoch << 32}, so no entry cached under the old manager matches again.
 */
public final class ClientVersions implements PageVersions {
    /** Where the client comes from: one client, or the one a {@link PageStore} gives the calling thread. */
    @FunctionalInterface
    private interface Source {
        PageStoreClient client() throws PageStoreException;
    }

    private final Source source;

    public ClientVersions(PageStoreClient client) {
        Objects.requireNonNull(client, "client");
        this.source = () -> client;
    }

    /** The versions as the calling thread's client of {@code store} sees them (every client has the same manager). */
    public ClientVersions(PageStore store) {
        Objects.requireNonNull(store, "store");
        this.source = store::client;
    }

    @Override
    public long version(long pageNumber) {
        try {
            PageStoreClient client = source.client();
            if (!client.isConnected()) {
                return PageCache.UNKNOWN_VERSION;
            }
            PageVersions versions = client.versions();
            long version = versions.version(pageNumber);
            // Which manager numbered it, in the upper half: after a failover the standby that took over (another
            // directory, with an epoch counted apart) may number a bucket as the old primary did, and an entry cached
            // under the old one must not match. The pid and start time tell the manager process apart.
            return versions instanceof StatusView status ? version ^ (managerMark(status.managerPid(),
                    status.managerStartTicks(), status.global(StatusRegionDescriptor.MANAGER_START_MILLIS)) << 32)
                    : version;
        } catch (PageStoreException closed) {
            return PageCache.UNKNOWN_VERSION;  // the read that follows fails with the same code
        }
    }

    @Override
    public long epoch() {
        try {
            return source.client().epoch();
        } catch (PageStoreException closed) {
            return PageCache.UNKNOWN_VERSION;
        }
    }

    /**
     * 32 bits that differ between two managers but for a chance of one in 2^32: the process (pid and start time), and
     * the manager's own start time (two managers of one process, as in tests).
     */
    private static long managerMark(long pid, long startTicks, long startMillis) {
        long h = (pid * 0x9E37_79B9_7F4A_7C15L) ^ (startTicks * 0xC2B2_AE3D_27D4_EB4FL)
                ^ (startMillis * 0x1656_67B1_9E37_79F9L);
        return (h ^ (h >>> 29)) & 0xFFFF_FFFFL;
    }
}

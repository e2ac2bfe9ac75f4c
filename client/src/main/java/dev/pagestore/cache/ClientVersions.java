package dev.pagestore.cache;

import dev.pagestore.client.PageStore;
import dev.pagestore.client.PageStoreClient;
import dev.pagestore.client.PageStoreException;
import dev.pagestore.status.PageVersions;
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
            return client.isConnected() ? client.versions().version(pageNumber) : PageCache.UNKNOWN_VERSION;
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
}

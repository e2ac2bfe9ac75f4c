package dev.pagestore.cache;

import dev.pagestore.client.PageStoreClient;
import dev.pagestore.status.PageVersions;

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
    private final PageStoreClient client;

    public ClientVersions(PageStoreClient client) {
        this.client = client;
    }

    @Override
    public long version(long pageNumber) {
        if (!client.isConnected()) {
            return PageCache.UNKNOWN_VERSION;
        }
        return client.versions().version(pageNumber);
    }

    @Override
    public long epoch() {
        return client.epoch();
    }
}

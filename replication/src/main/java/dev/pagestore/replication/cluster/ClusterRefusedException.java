package dev.pagestore.replication.cluster;

import java.io.IOException;

/**
 * A local cluster was not started because its directory cannot be used (not a cluster directory, held by another
 * launcher, or a cluster of another size): no process was started and the cluster in it, if any, is untouched. The
 * message says what to do.
 */
public final class ClusterRefusedException extends IOException {
    private static final long serialVersionUID = 1L;

    public ClusterRefusedException(String message) {
        super(message);
    }
}

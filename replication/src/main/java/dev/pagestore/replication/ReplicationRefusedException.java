package dev.pagestore.replication;

import java.io.IOException;

/**
 * A replicated start refused before it changed anything: the directory is not this store's primary any more, or the
 * metadata service disagrees with it. The message says why and what to do.
 */
public final class ReplicationRefusedException extends IOException {
    public ReplicationRefusedException(String message) {
        super(message);
    }
}

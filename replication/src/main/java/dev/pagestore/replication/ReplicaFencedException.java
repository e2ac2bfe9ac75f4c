package dev.pagestore.replication;

import java.io.IOException;

/** The store's ledger was fenced by another manager: it is the primary now, and this one must stop serving. */
public final class ReplicaFencedException extends IOException {
    public ReplicaFencedException(String message, Throwable cause) {
        super(message, cause);
    }
}

package dev.pagestore.ipc.control;

/**
 * The handler lets a tool read the status region: the server sends {@code statusDescriptor} with OBSERVED. The
 * handler owns the descriptor and keeps it open for as long as the server runs; the server never closes it.
 *
 * @param statusDescriptor the status region's memfd, sealed read-only
 */
public record ObserveGrant(int statusDescriptor) implements ObserveDecision {
    public ObserveGrant {
        if (statusDescriptor < 0) {
            throw new IllegalArgumentException("statusDescriptor=" + statusDescriptor + " must be an open descriptor");
        }
    }
}

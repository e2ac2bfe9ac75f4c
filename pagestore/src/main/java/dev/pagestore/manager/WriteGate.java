package dev.pagestore.manager;

/**
 * Whether workers may write: not while the manager is a standby, whose pages come from the primary's log. The
 * manager's own process (its log applier, attached as a client) always may. Opened once, at promotion, and never
 * closed again. A reactor reads it per write request: one volatile read.
 */
final class WriteGate {
    private volatile boolean open;

    WriteGate(boolean open) {
        this.open = open;
    }

    boolean isOpen() {
        return open;
    }

    void open() {
        open = true;
    }
}

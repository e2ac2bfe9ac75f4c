package dev.pagestore.ipc.control;

import java.io.IOException;

/** The manager answered ATTACH with REFUSED; {@link #refusal()} says why. */
public final class AttachRefusedException extends IOException {
    private static final long serialVersionUID = 1L;
    private final transient Refusal refusal;

    public AttachRefusedException(Refusal refusal) {
        super("the manager refused to attach: " + refusal.code() + ": " + refusal.message());
        this.refusal = refusal;
    }

    public Refusal refusal() {
        return refusal;
    }

    public RefusalCode code() {
        return refusal.code();
    }
}

package dev.pagestore.ipc.control;

import java.io.IOException;

/**
 * Bytes from a control peer that break the protocol ({@link ControlMessageDescriptor}). The side that detects it
 * closes that one connection; it is never a reason to stop serving others.
 */
public final class ControlProtocolException extends IOException {
    private static final long serialVersionUID = 1L;
    private final ProtocolProblem problem;

    public ControlProtocolException(ProtocolProblem problem, String message) {
        super(problem + ": " + message);
        this.problem = problem;
    }

    public ProtocolProblem problem() {
        return problem;
    }

    /** The refusal a manager sends back (best effort) before closing the offending connection. */
    Refusal toRefusal() {
        RefusalCode code = problem == ProtocolProblem.BAD_VERSION
                ? RefusalCode.BAD_VERSION
                : RefusalCode.PROTOCOL_ERROR;
        return Refusal.truncating(code, getMessage());
    }
}

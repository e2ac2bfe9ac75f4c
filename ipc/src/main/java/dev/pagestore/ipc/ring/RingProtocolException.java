package dev.pagestore.ipc.ring;

/**
 * The other process broke the ring protocol: a sequence moved backwards, jumped past the ring's capacity, or the ring
 * header does not hold what this end expects. The message names the ring and the values expected and found.
 *
 * <p>This is never retried or looped on: the ring's state can no longer be trusted, and the owner of the channel
 * (the manager, or the worker's client) detaches the peer. Unchecked, because it can surface from any ring call on
 * the hot path, and a caller cannot repair it locally.
 */
public final class RingProtocolException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public RingProtocolException(String message) {
        super(message);
    }

    /**
     * A remote sequence outside {@code [lowestAllowed, highestAllowed]}.
     *
     * @param ringName       e.g. {@code "request ring"}
     * @param sequenceName   e.g. {@code "consumerSequence"}
     * @param previous       the value this end saw last
     * @param observed       the value it reads now
     */
    static RingProtocolException sequenceOutOfRange(String ringName, String sequenceName, long previous,
            long observed, long lowestAllowed, long highestAllowed, int capacity) {
        String what = observed < previous ? "moved backwards"
                : observed > highestAllowed ? "moved past the ring's capacity or the entries published"
                : "is out of range";
        return new RingProtocolException(ringName + ": " + sequenceName + " " + what + ": was " + previous
                + ", now " + observed + ", allowed [" + lowestAllowed + ", " + highestAllowed + "] (capacity "
                + capacity + ")");
    }
}

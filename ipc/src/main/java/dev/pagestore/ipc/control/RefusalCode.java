package dev.pagestore.ipc.control;

/**
 * Why the manager refused an attach or a frame, or ended a session; the unsigned 16-bit code in a
 * {@link MessageType#REFUSED} body. Codes are never reused.
 */
public enum RefusalCode {
    /** The header's protocol version is not the one the manager speaks. */
    BAD_VERSION(1),
    /** The frame was malformed (bad magic, oversized length, unknown type, truncated, bad field, wrong order). */
    PROTOCOL_ERROR(2),
    /** The requested page size is not 4, 8 or 16 KiB, or not one the manager serves. */
    BAD_PAGE_SIZE(3),
    /** The requested ring capacity is not a power of two in range, or not one the manager grants. */
    BAD_RING_CAPACITY(4),
    /** The manager already serves as many workers as it allows. */
    TOO_MANY_WORKERS(5),
    /** The manager is shutting down. */
    SHUTTING_DOWN(6),
    /** The manager failed while preparing the channel (its log says why). */
    INTERNAL_ERROR(7),
    /** The manager could not reserve the channel's shared memory (memory is short, or a cgroup limit reached). */
    NO_SHARED_MEMORY(8),
    /**
     * The manager cannot name the connecting process: it runs in a pid namespace the manager's cannot see
     * ({@code SO_PEERCRED} pid 0). Sent at accept, before ATTACH is read.
     */
    UNIDENTIFIED_PEER(9),
    /**
     * Sent to an attached worker: the manager ended its session and says why (for example, it stopped serving the
     * channel because the worker broke its ring). The connection closes; the channel is no longer served.
     */
    SESSION_ENDED(10);

    private static final RefusalCode[] BY_CODE;

    static {
        int max = 0;
        for (RefusalCode code : values()) {
            max = Math.max(max, code.code);
        }
        BY_CODE = new RefusalCode[max + 1];
        for (RefusalCode code : values()) {
            assert BY_CODE[code.code] == null : "duplicate refusal code " + code.code;
            BY_CODE[code.code] = code;
        }
    }

    private final int code;

    RefusalCode(int code) {
        assert code > 0 && code <= 0xFFFF : "refusal code " + code + " does not fit an unsigned 16-bit field";
        this.code = code;
    }

    /** The unsigned 16-bit code on the wire. */
    public int code() {
        return code;
    }

    /** The refusal with this wire code, or {@code null} when none has it. */
    static RefusalCode ofCode(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }
}

package dev.pagestore.nvme;

/**
 * What one {@link QueuePair#poll} found, collected while the completion queue is drained and the command table is
 * updated, then handed to the caller's handler and the listener afterwards (TigerBeetle's io_uring loop shape:
 * reap into a list, run callbacks outside the drain, no re-entry). Preallocated; not thread-safe.
 */
final class CompletionBatch {
    static final byte COMPLETION = 0;
    static final byte UNMAPPED = 1;
    static final byte DUPLICATE = 2;
    static final byte TIMEOUT = 3;
    static final byte FENCE_RELEASED = 4;
    static final byte RETRY = 5;

    private final byte[] kind;
    private final long[] tag;
    private final int[] cid;
    private final IoStatus[] status;
    private final int[] transferredBytes;
    private final int[] detail;
    private final long[] extra;
    private int size;
    /** The next entry to dispatch: entries before it were handed out (a throwing handler leaves the rest). */
    private int next;

    CompletionBatch(int capacity) {
        kind = new byte[capacity];
        tag = new long[capacity];
        cid = new int[capacity];
        status = new IoStatus[capacity];
        transferredBytes = new int[capacity];
        detail = new int[capacity];
        extra = new long[capacity];
    }

    int capacity() {
        return kind.length;
    }

    int size() {
        return size;
    }

    void add(byte kind, long tag, int cid, IoStatus status, int transferredBytes, int detail, long extra) {
        assert size < this.kind.length : "completion batch overflow at " + size;
        assert next == 0 : "adding to a batch with undelivered entries";
        int i = size++;
        this.kind[i] = kind;
        this.tag[i] = tag;
        this.cid[i] = cid;
        this.status[i] = status;
        this.transferredBytes[i] = transferredBytes;
        this.detail[i] = detail;
        this.extra[i] = extra;
    }

    /** Whether entries remain from a dispatch that a throwing handler or listener interrupted. */
    boolean hasUndelivered() {
        return next < size;
    }

    /**
     * Runs the handler for every completion (timeouts included) and the listener for every event, in the order
     * found, then empties the batch. Returns the number of completions delivered. If a callback throws, the entry
     * that threw counts as delivered and the rest stay for the next dispatch.
     */
    int dispatch(int queuePairId, CompletionHandler handler, QueuePairListener listener) {
        int delivered = 0;
        while (next < size) {
            int i = next++;  // advanced first: an entry whose callback throws is not delivered twice
            switch (kind[i]) {
                case COMPLETION -> {
                    delivered++;
                    handler.onCompletion(tag[i], status[i], transferredBytes[i], detail[i]);
                }
                case TIMEOUT -> {
                    delivered++;
                    listener.onTimeout(queuePairId, cid[i], tag[i]);
                    handler.onCompletion(tag[i], IoStatus.TIMEOUT, 0, StatusDetail.NONE);
                }
                case UNMAPPED -> listener.onUnmappedCompletion(queuePairId, cid[i], status[i], detail[i]);
                case DUPLICATE -> listener.onDuplicateCompletion(queuePairId, cid[i], tag[i]);
                case FENCE_RELEASED -> listener.onFenceReleased(queuePairId, cid[i], tag[i], status[i]);
                case RETRY -> listener.onRetry(queuePairId, cid[i], tag[i], status[i], transferredBytes[i], extra[i]);
                default -> throw new AssertionError("unknown batch entry kind " + kind[i]);
            }
            status[i] = null;
        }
        size = 0;
        next = 0;
        return delivered;
    }
}

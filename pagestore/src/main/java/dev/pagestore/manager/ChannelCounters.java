package dev.pagestore.manager;

import dev.pagestore.ipc.ring.CompletionDescriptor;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * What a channel's reactor counted of that channel's requests, for the channel's row in the status region: the
 * status thread copies these every 100 ms. The reactor is the one writer; its opaque stores cost what a plain
 * store costs on x86 and let the reader see each word whole.
 *
 * <p>Thread safety: {@link #add} and {@link #answered} from the channel's reactor only; {@link #get} from any.
 */
final class ChannelCounters {
    static final int READS = 0;
    static final int WRITES = 1;
    static final int PAGES_READ = 2;
    static final int PAGES_WRITTEN = 3;
    /** Requests accepted: with {@link #SETTLED}, the requests in flight. */
    static final int ACCEPTED = 4;
    static final int SETTLED = 5;
    static final int TIMEOUTS = 6;
    static final int INVALID = 7;
    static final int IO_ERRORS = 8;
    static final int NO_SPACE = 9;
    static final int SHUTTING_DOWN = 10;
    static final int COUNT = 11;

    private static final VarHandle COUNTS = MethodHandles.arrayElementVarHandle(long[].class);

    private final long[] counts = new long[COUNT];

    void add(int counter, long delta) {
        COUNTS.setOpaque(counts, counter, counts[counter] + delta);
    }

    long get(int counter) {
        return (long) COUNTS.getOpaque(counts, counter);
    }

    /**
     * Counts one answer by its status; a fenced request's second TIMEOUT (its slot coming back,
     * {@link CompletionDescriptor#RESULT_SLOT_RELEASED}) is the same request and not counted again.
     */
    void answered(int status, long result) {
        switch (status) {
            case CompletionDescriptor.STATUS_TIMEOUT -> {
                if (result != CompletionDescriptor.RESULT_SLOT_RELEASED) {
                    add(TIMEOUTS, 1);
                }
            }
            case CompletionDescriptor.STATUS_INVALID -> add(INVALID, 1);
            case CompletionDescriptor.STATUS_IO_ERROR -> add(IO_ERRORS, 1);
            case CompletionDescriptor.STATUS_NO_SPACE -> add(NO_SPACE, 1);
            case CompletionDescriptor.STATUS_SHUTTING_DOWN -> add(SHUTTING_DOWN, 1);
            default -> {
            }
        }
    }

    /** Requests accepted and not yet settled, as far as this reader sees (never negative). */
    long inFlight() {
        long settled = get(SETTLED);
        return Math.max(0, get(ACCEPTED) - settled);
    }
}

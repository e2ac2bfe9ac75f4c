package dev.pagestore.wal;

/**
 * The callback of a thread that blocks until its append is durable: one per appending thread, reused for each of
 * its appends, so blocking appends allocate nothing. The writer stores the outcome (a volatile write, no wake-up);
 * the {@link CommitSignal} raised after the batch wakes the thread.
 */
final class BlockingAppend implements AppendCallback {
    private static final int PENDING = 0;
    private static final int DURABLE = 1;
    private static final int FAILED = 2;

    /** The appending thread's one-element arrays for single-page appends, reused like the callback. */
    final long[] onePageNumber = new long[1];
    final java.lang.foreign.MemorySegment[] oneImage = new java.lang.foreign.MemorySegment[1];
    /** This thread's bit in the {@link CommitSignal}'s wake mask. */
    final int wakeBit;
    private final CommitSignal signal;
    private long lsn;
    private Throwable failure;
    /** Written last by the writer (volatile): publishes {@link #lsn} or {@link #failure} to the waiting thread. */
    private volatile int state = PENDING;

    BlockingAppend(CommitSignal signal) {
        this.signal = signal;
        this.wakeBit = signal.assignBit();
    }

    /** Appending thread, before it publishes: arms the callback for one more append. */
    void arm() {
        lsn = 0;
        failure = null;
        state = PENDING;
    }

    @Override
    public void onDurable(long durableLsn) {
        lsn = durableLsn;
        state = DURABLE;
        signal.told(wakeBit); // writer thread: wake this thread at the end of the batch
    }

    @Override
    public void onFailed(Throwable cause) {
        failure = cause;
        state = FAILED;
        signal.told(wakeBit); // writer thread, or this appending thread when the log had already failed
    }

    boolean isTold() {
        return state != PENDING;
    }

    /** Appending thread, once told: the record's LSN, or the failure as a {@link WalFailedException}. */
    long lsnOrThrow() throws WalFailedException {
        if (state == DURABLE) {
            return lsn;
        }
        assert state == FAILED : "asked before the outcome";
        // a new exception, so that its stack trace shows this appender; the writer's failure is its cause
        throw new WalFailedException(String.valueOf(failure.getMessage()), failure);
    }
}

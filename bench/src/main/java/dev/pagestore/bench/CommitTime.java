package dev.pagestore.bench;

import dev.pagestore.wal.WalMetrics;

/**
 * Where the WAL's commits spent their time while measured, per commit: in the device's writes, in fdatasync, and
 * elsewhere (waiting for the appends, encoding them, telling the appenders); and how many segments were made
 * anew by zero-filling instead of recycled; and how many {@code appendAndWait} sleeps lasted to their bound instead
 * of ending at their commit's wake-up (lost wake-ups, or a stalled writer). {@link #NONE} for the peers.
 */
record CommitTime(double writeMicros, double syncMicros, double otherMicros, long segmentsZeroFilled,
              long segmentsRecycled, long commitSleepsToBound) {
    static final CommitTime NONE = new CommitTime(0, 0, 0, 0, 0, 0);

    static CommitTime between(WalMetrics before, long elapsedNanos, WalMetrics after) {
        long commits = Math.max(1, after.batches() - before.batches());
        double write = (after.writeNanos() - before.writeNanos()) / 1e3 / commits;
        double sync = (after.syncNanos() - before.syncNanos()) / 1e3 / commits;
        return new CommitTime(write, sync, elapsedNanos / 1e3 / commits - write - sync,
                after.segmentsZeroFilled() - before.segmentsZeroFilled(),
                after.segmentsRecycled() - before.segmentsRecycled(),
                after.commitSleepsToBound() - before.commitSleepsToBound());
    }

    @Override
    public String toString() {
        return String.format("commit %.0f us = write %.0f + fdatasync %.0f + other %.0f; segments zero-filled %d,"
                + " recycled %d; appendAndWait sleeps to their bound %d", writeMicros + syncMicros + otherMicros,
                writeMicros, syncMicros, otherMicros, segmentsZeroFilled, segmentsRecycled, commitSleepsToBound);
    }
}

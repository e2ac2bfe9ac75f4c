package dev.pagestore.wal;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Threshold;

/**
 * A JFR event for one group commit, from its first device write to the durable LSN it published: what JDK Mission
 * Control shows beside the threads that waited for it. Only commits of 1 ms or more are kept unless a recording asks
 * for less: a busy log commits thousands of times a second, and the slow ones are what an operator looks for.
 */
@Name("pagestore.WalCommit")
@Label("WAL Commit")
@Category({"pagestore", "WAL"})
@Description("One group commit of the write-ahead log: its device writes and fdatasyncs")
@StackTrace(false)
@Threshold("1 ms")
final class WalCommitEvent extends Event {
    @Label("Records")
    long records;

    @Label("Bytes")
    @DataAmount
    long bytes;

    @Label("Datasyncs")
    @Description("fdatasync calls: one, or more at a segment switch")
    int datasyncs;

    @Label("Durable LSN")
    long durableLsn;

    /** An event whose duration starts now. */
    static WalCommitEvent started() {
        WalCommitEvent event = new WalCommitEvent();
        event.begin();
        return event;
    }

    /** Ends the commit's duration and records it, when enabled and at least its threshold long. */
    void end(long recordCount, long byteCount, int syncs, long lsn) {
        end();
        if (shouldCommit()) {
            records = recordCount;
            bytes = byteCount;
            datasyncs = syncs;
            durableLsn = lsn;
            commit();
        }
    }
}

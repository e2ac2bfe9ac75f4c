package dev.pagestore.wal;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * A JFR event for one group commit, from its first device write to the durable LSN it published: what JDK Mission
 * Control shows beside the threads that waited for it. Disabled, an event costs a check the JIT folds away.
 */
@Name("pagestore.WalCommit")
@Label("WAL Commit")
@Category({"pagestore", "WAL"})
@Description("One group commit of the write-ahead log: its device writes and fdatasyncs")
@StackTrace(false)
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
}

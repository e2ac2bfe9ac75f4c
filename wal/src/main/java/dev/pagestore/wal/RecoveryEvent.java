package dev.pagestore.wal;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** A JFR event for a log's open: the recovery scan from the redo point, the pages it applied, where the log ended. */
@Name("pagestore.Recovery")
@Label("WAL Recovery")
@Category({"pagestore", "WAL"})
@Description("A write-ahead log opened: its recovery from the redo point to the end of the log")
@StackTrace(false)
final class RecoveryEvent extends Event {
    @Label("Redo LSN")
    long redoLsn;

    @Label("End LSN")
    long endLsn;

    @Label("Records Replayed")
    long records;

    @Label("Pages Applied")
    long pagesApplied;

    @Label("Bytes Scanned")
    @DataAmount
    long bytesScanned;

    @Label("Segments Scanned")
    long segments;

    @Label("Stop Reason")
    @Description("Why the scan ended: the end of the log, a torn tail, or corruption")
    String stopReason;
}

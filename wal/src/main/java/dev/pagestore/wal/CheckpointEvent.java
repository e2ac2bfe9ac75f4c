package dev.pagestore.wal;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** A JFR event for one checkpoint: the data pages flushed up to the redo point, and the redo point recorded. */
@Name("pagestore.Checkpoint")
@Label("Checkpoint")
@Category({"pagestore", "WAL"})
@Description("A checkpoint: data pages made durable up to a redo point, the control file written, segments handed"
        + " back for recycling")
@StackTrace(false)
final class CheckpointEvent extends Event {
    @Label("Redo LSN")
    long redoLsn;

    @Label("Segments Handed Back")
    long segmentsHandedBack;

    @Label("Succeeded")
    boolean succeeded;
}

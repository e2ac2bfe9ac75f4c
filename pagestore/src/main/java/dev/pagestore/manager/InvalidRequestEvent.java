package dev.pagestore.manager;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Throttle;

/**
 * A JFR event for requests a worker posted that the manager answered INVALID. Throttled: a hostile worker posts
 * hundreds of thousands a second, and the status region counts every one.
 */
@Name("pagestore.InvalidRequest")
@Label("Invalid Request")
@Category({"pagestore", "Manager"})
@Description("Requests answered INVALID: malformed, a reused id, a slot already held, a broken batch")
@StackTrace(false)
@Throttle("100/s")
final class InvalidRequestEvent extends Event {
    @Label("Worker")
    String worker;

    @Label("Worker PID")
    long workerPid;

    @Label("Requests")
    int requests;

    /** Records {@code requests} of {@code session} answered INVALID, when the event is enabled. */
    static void record(ChannelSession session, int requests) {
        InvalidRequestEvent event = new InvalidRequestEvent();
        if (event.shouldCommit()) {
            event.worker = session.workerName;
            event.workerPid = session.control.worker().pid();
            event.requests = requests;
            event.commit();
        }
    }
}

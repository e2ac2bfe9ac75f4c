package dev.pagestore.client;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Throttle;

/**
 * A JFR event in a worker: a request ended TIMEOUT, answered so by the manager or given up by this client. Throttled,
 * like the manager's: a stalled device times out every request in flight.
 */
@Name("pagestore.RequestTimedOut")
@Label("Request Timed Out")
@Category({"pagestore", "Client"})
@Description("A request ended TIMEOUT: the manager answered so, or no answer came within the timeout")
@StackTrace(false)
@Throttle("100/s")
final class RequestTimedOutEvent extends Event {
    @Label("Request Id")
    @Description("-1 for a wait on several requests (readMany, writeBatch)")
    long requestId;

    @Label("Where")
    @Description("manager (it answered TIMEOUT) or client (no answer in time)")
    String where;

    @Label("Slot Fenced")
    @Description("The device may still write the request's buffer slot: it stays taken until the final answer")
    boolean fenced;

    static void record(long requestId, String where, boolean fenced) {
        RequestTimedOutEvent event = new RequestTimedOutEvent();
        if (event.shouldCommit()) {
            event.requestId = requestId;
            event.where = where;
            event.fenced = fenced;
            event.commit();
        }
    }
}

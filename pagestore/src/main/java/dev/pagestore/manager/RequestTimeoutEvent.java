package dev.pagestore.manager;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Throttle;

/** A JFR event for requests the manager answered TIMEOUT, and where each was when its deadline passed. */
@Name("pagestore.RequestTimeout")
@Label("Request Timeout")
@Category({"pagestore", "Manager"})
@Description("Requests answered TIMEOUT: past their deadline on arrival, while waiting for their pages or the rest"
        + " of their batch, or on the device")
@StackTrace(false)
@Throttle("100/s")
final class RequestTimeoutEvent extends Event {
    @Label("Worker")
    String worker;

    @Label("Worker PID")
    long workerPid;

    @Label("Requests")
    int requests;

    @Label("First Page")
    long firstPage;

    @Label("Where")
    @Description("arrival, waiting, in progress or device")
    String where;

    /** Records {@code op}'s requests answered TIMEOUT, when the event is enabled. */
    static void record(Op op, String where) {
        RequestTimeoutEvent event = new RequestTimeoutEvent();
        if (event.shouldCommit()) {
            long page = -1;
            for (int m = 0; m < op.memberCount && page < 0; m++) {
                if (op.pageCounts[m] > 0) {  // a batch's BEGIN and END name no page
                    page = op.firstPages[m];
                }
            }
            record(event, op.session, op.memberCount, page, where);
        }
    }

    /** Records {@code requests} of {@code session} answered TIMEOUT, when the event is enabled. */
    static void record(ChannelSession session, int requests, long firstPage, String where) {
        RequestTimeoutEvent event = new RequestTimeoutEvent();
        if (event.shouldCommit()) {
            record(event, session, requests, firstPage, where);
        }
    }

    private static void record(RequestTimeoutEvent event, ChannelSession session, int requests, long firstPage,
            String where) {
        event.worker = session.workerName;
        event.workerPid = session.control.worker().pid();
        event.requests = requests;
        event.firstPage = firstPage;
        event.where = where;
        event.commit();
    }
}

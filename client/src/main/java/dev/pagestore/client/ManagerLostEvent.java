package dev.pagestore.client;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** A JFR event in a worker: the manager a connection was attached to is gone, and its calls fail MANAGER_GONE. */
@Name("pagestore.ManagerLost")
@Label("Manager Lost")
@Category({"pagestore", "Client"})
@Description("The manager this client was attached to died or ended the session; its calls fail MANAGER_GONE")
@StackTrace(false)
final class ManagerLostEvent extends Event {
    @Label("Manager PID")
    long managerPid;

    @Label("Manager Epoch")
    long managerEpoch;

    @Label("Cause")
    String cause;

    @Label("Detail")
    String detail;
}

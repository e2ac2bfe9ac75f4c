package dev.pagestore.client;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** A JFR event in a worker: a client attached to the manager that replaced the one it lost. */
@Name("pagestore.Reattached")
@Label("Manager Re-attached")
@Category({"pagestore", "Client"})
@Description("A client attached again, to the manager that now serves its store")
@StackTrace(false)
final class ReattachedEvent extends Event {
    @Label("Previous Manager PID")
    long previousManagerPid;

    @Label("Manager PID")
    long managerPid;

    @Label("Manager Epoch")
    long managerEpoch;
}

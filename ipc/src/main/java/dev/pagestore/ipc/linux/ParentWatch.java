package dev.pagestore.ipc.linux;

/**
 * Runs an action once this process's parent has ended: for child processes that must not outlive the process that
 * started them, however it ends (a {@code kill -9} included, which leaves it no chance to stop them).
 *
 * <h2>Why {@code getppid} with an expected pid</h2>
 * When a process dies the kernel re-parents its children to init or a subreaper, so {@code getppid()} changes. The
 * caller passes the parent's pid as the parent knew it (its own pid, on the command line) rather than asking
 * {@code getppid()} at start: a parent that died before this process got that far would otherwise be mistaken for
 * the new parent, and the watch would wait for ever. {@code prctl(PR_SET_PDEATHSIG)} is no substitute: it fires when
 * the <em>thread</em> that forked the child ends, and a JVM starts processes from whichever thread asks.
 *
 * <p>One {@code getppid} call per {@value #POLL_MILLIS} ms on a daemon thread.
 */
public final class ParentWatch {
    static final long POLL_MILLIS = 100;

    private ParentWatch() {
    }

    /**
     * Runs {@code onParentGone} once the parent is no longer {@code parentPid}: at once, on the calling thread, when
     * it already is not; otherwise on a daemon thread named {@code parent-watch}.
     */
    public static void start(long parentPid, Runnable onParentGone) {
        if (parentPid <= 0) {
            throw new IllegalArgumentException("parentPid=" + parentPid + " is not a process id");
        }
        if (LibcProcesses.getppid() != parentPid) {
            onParentGone.run();
            return;
        }
        Thread watch = new Thread(() -> {
            try {
                while (LibcProcesses.getppid() == parentPid) {
                    Thread.sleep(POLL_MILLIS);
                }
            } catch (InterruptedException e) {
                return;  // nothing here interrupts it: an interrupt from elsewhere ends the watch
            }
            onParentGone.run();
        }, "parent-watch");
        watch.setDaemon(true);
        watch.start();
    }
}

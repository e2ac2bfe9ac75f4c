package dev.pagestore.ipc.control;

/**
 * Told once when the manager behind an attached {@link ControlClient} is gone ({@link ManagerGoneEvent}).
 *
 * <p>Called on the client's reader thread, at most once per client, and never after an orderly
 * {@link ControlClient#detach} or {@link ControlClient#close}. It should hand the news on (fail pending requests,
 * schedule a re-attach) and return; an exception it throws is logged.
 */
@FunctionalInterface
public interface ManagerGoneListener {
    void onManagerGone(ManagerGoneEvent event);
}

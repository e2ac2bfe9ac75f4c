package dev.pagestore.ipc.control;

import dev.pagestore.ipc.linux.ProcessIdentity;

/**
 * What the manager does when a worker attaches, when it goes, and when a tool asks to observe: the control server
 * knows nothing about channels, it only asks this handler. The manager implements it to create a worker's channel on
 * attach, to reclaim it on detach, and to hand out its status region.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>Every method runs on the server's single control thread, one call at a time; a slow call delays every other
 *       connection's attach and death detection, so they should take milliseconds, not seconds.</li>
 *   <li>{@link #onDetach} is called exactly once for every session whose {@link #onAttach} returned a grant, and
 *       never for a session that was refused or whose {@code onAttach} threw.</li>
 *   <li>The request is already validated as a frame (claimed pid, start time, client name), and the session names the
 *       worker as the kernel sees it ({@link ControlSession#worker()}). Page size and ring capacity are as the worker
 *       sent them: the handler judges them and refuses with {@link RefusalCode#BAD_PAGE_SIZE} /
 *       {@link RefusalCode#BAD_RING_CAPACITY}.</li>
 *   <li>Anything {@code onAttach} or {@code onObserve} throws, {@link Error}s included, is logged and refuses that
 *       one connection with {@link RefusalCode#INTERNAL_ERROR}; anything {@code onDetach} throws is logged. None of
 *       it stops the server.</li>
 *   <li>The descriptors in a grant belong to the handler (see {@link AttachGrant}, {@link ObserveGrant}).</li>
 * </ul>
 */
public interface AttachHandler {
    /**
     * A worker asks for a channel.
     *
     * @param session the would-be session (its attach id can label the channel; its worker is the kernel's)
     * @param request the worker's validated request
     * @return the grant the worker receives, or the refusal it receives
     */
    AttachDecision onAttach(ControlSession session, AttachRequest request) throws Exception;

    /**
     * An attached worker's session ended. {@code session.endedAtNanos()} says when the control thread saw it.
     *
     * @param reason orderly goodbye, peer death (EOF or reset), protocol error, or server close
     * @param detail a human-readable account (e.g. "connection reset by peer")
     */
    void onDetach(ControlSession session, DetachReason reason, String detail) throws Exception;

    /**
     * A tool asks for read-only access to the status region.
     *
     * @param observer the tool's process, as the kernel identifies it
     * @return the status region's descriptor to send, or a refusal
     */
    ObserveDecision onObserve(ProcessIdentity observer, ObserveRequest request) throws Exception;
}

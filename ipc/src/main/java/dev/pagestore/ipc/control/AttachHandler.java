package dev.pagestore.ipc.control;

/**
 * What the manager does when a worker attaches and when it goes: the control server knows nothing about channels,
 * it only asks this handler. The manager implements it to create a worker's channel on attach and to reclaim it on
 * detach.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>Both methods run on the server's single control thread, one call at a time; a slow call delays every other
 *       connection's attach and death detection, so they should take milliseconds, not seconds.</li>
 *   <li>{@link #onDetach} is called exactly once for every session whose {@link #onAttach} returned a grant, and
 *       never for a session that was refused or whose {@code onAttach} threw.</li>
 *   <li>The request is already validated as a frame (pid, start time, client name). Page size and ring capacity are
 *       as the worker sent them: the handler judges them and refuses with
 *       {@link RefusalCode#BAD_PAGE_SIZE} / {@link RefusalCode#BAD_RING_CAPACITY} (see
 *       {@link ControlMessageDescriptor#checkPageSize} and {@link ControlMessageDescriptor#checkRingCapacity}).</li>
 *   <li>An exception from {@code onAttach} is logged and refuses the worker with {@link RefusalCode#INTERNAL_ERROR};
 *       an exception from {@code onDetach} is logged. Neither stops the server.</li>
 * </ul>
 */
public interface AttachHandler {
    /**
     * A worker asks for a channel.
     *
     * @param session the would-be session (its attach id can name the channel)
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
}

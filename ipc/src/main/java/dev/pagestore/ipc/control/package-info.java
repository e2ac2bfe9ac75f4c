/**
 * The control plane between the manager and its workers: a Unix domain socket where a worker attaches (and receives
 * its channel and the status region as sealed memfd descriptors) and detaches, where a tool observes (receives the
 * status region only), and whose open connection is the liveness signal both ways (DESIGN.md §2).
 *
 * <h2>Who is who</h2>
 * <ul>
 *   <li>{@link dev.pagestore.ipc.control.ControlServer} (manager side): one control thread in a {@code poll(2)}
 *       loop serves every connection, over FFM sockets ({@code dev.pagestore.ipc.linux.UnixSocket}) because the
 *       JDK's cannot pass descriptors or read {@code SO_PEERCRED}. It owns the socket file (mode 0600, see {@code ControlSocketFile}
 *       for how the file is made owner-only atomically, how a stale file left by a dead manager is replaced, and why
 *       the caller's {@code flock} is the real ownership rule) and unlinks it on close.</li>
 *   <li>{@link dev.pagestore.ipc.control.AttachHandler}: the manager's policy. The server knows nothing about
 *       channels; the handler creates one on attach (or refuses) and reclaims it when told the session ended.</li>
 *   <li>{@link dev.pagestore.ipc.control.ControlClient} (worker side): connects, attaches, takes the two
 *       descriptors, keeps one daemon reader thread blocked in {@code recvmsg} for the whole attachment, and
 *       detaches. {@link dev.pagestore.ipc.control.ControlObserver}: a tool's OBSERVE.</li>
 * </ul>
 * The channels themselves are built elsewhere ({@code dev.pagestore.ipc.channel}); only their parameters and
 * descriptors pass through here.
 *
 * <h2>Who may connect, and who is who</h2>
 * The socket file is owner-only, and at accept a peer whose effective uid ({@code SO_PEERCRED}) is neither the
 * manager's nor root's is closed without a word. A peer the kernel cannot name in the manager's pid namespace
 * ({@code SO_PEERCRED} pid 0: a process of another pid namespace, not below the manager's) is refused at accept with
 * {@code UNIDENTIFIED_PEER} and a reason. A session's worker identity is the kernel's: the pid recorded at
 * {@code connect(2)} and that process's start time from {@code /proc/PID/stat}, read with nothing else of the process
 * ({@link dev.pagestore.ipc.linux.ProcessStartTime}: never its command line, which is its own memory and could stall
 * the control thread); the pid an ATTACH states is only logged when it differs. Nothing a worker receives is reachable by name: a channel reaches exactly the process that
 * attached. A peer that sends descriptors breaks the protocol (they are closed).
 *
 * <h2>Handshakes cannot be exhausted</h2>
 * A connection has 2 s from its accept to send ATTACH or OBSERVE, however it dribbles; a process may hold at most 8
 * such connections (its newest replaces its oldest); when 64 are pending the oldest of all makes room for a
 * newcomer ({@link dev.pagestore.ipc.control.ControlServerOptions}). Observers are bounded too (16; the oldest is
 * closed, keeping its mapping).
 *
 * <h2>Protocol</h2>
 * Length-prefixed binary frames, versioned (version 3); every byte is drawn in
 * {@link dev.pagestore.ipc.control.ControlMessageDescriptor}. A 12-byte header (magic {@code 'PGCT'}, version,
 * type, body length ≤ 4096) precedes a body. The conversations are fixed:
 * <pre>
 *   worker                                  manager
 *     ATTACH(claimed pid, start time,     ──►
 *            page size or 0, ring capacity or 0, client name)
 *                                         ◄──  ATTACHED(attach id, manager pid, start time, page size,
 *                                                       ring capacity) + [channel memfd, status memfd]
 *                                         or   REFUSED(code, message), then close
 *     ... the channel is in use; nothing is sent; the open connection says "alive" ...
 *     DETACH                              ──►
 *                                         ◄──  DETACHED, then close
 *   or, when the manager ends the session itself (ControlServer.endSession, any thread):
 *                                         ◄──  REFUSED(SESSION_ENDED, why), then close
 *
 *   tool
 *     OBSERVE(client name)                ──►
 *                                         ◄──  OBSERVED(manager pid, start time) + [status memfd]
 *     ... until the tool closes (or sends DETACH) ...
 * </pre>
 * Every received frame is validated (magic, version, type, length bound, every field, exact body length, order,
 * descriptor count). Malformed input from a peer gets a best-effort REFUSED (code {@code PROTOCOL_ERROR} or
 * {@code BAD_VERSION}) and the close of that one connection; the server keeps serving every other. Anything thrown
 * while serving one connection, {@code Error}s included, costs that connection only; a control thread that dies
 * anyway closes the server and tells its owner (the manager then stops).
 *
 * <h2>Liveness rule</h2>
 * No heartbeats. A process that dies, by any means including {@code kill -9}, has its sockets closed by the kernel;
 * the peer's blocked read (worker) or poll (manager) wakes at once with end of stream or a reset:
 * <ul>
 *   <li>worker death → the manager's handler gets {@code onDetach(session, PEER_DIED, detail)} and reclaims the
 *       channel;</li>
 *   <li>manager death → the worker's {@link dev.pagestore.ipc.control.ManagerGoneListener} gets a
 *       {@link dev.pagestore.ipc.control.ManagerGoneEvent}; the worker fails its pending requests and may attach
 *       again to a new manager.</li>
 * </ul>
 * Both are measured by {@code ControlLivenessTest}, from just before SIGKILL to the callback: over 20 kills of each
 * kind on a 2-core machine under a load average of 12 to 17, median 10 ms for either side, maximum 225 ms (worker)
 * and 91 ms (manager). The slow cases track the time the kernel took to finish killing the process (the test prints
 * when this JVM saw the exit, for reference); the socket wakes the peer as soon as the dying process's descriptors
 * are closed, which happens before its exit is reported. A session ended by DETACH is reported {@code ORDERLY}; the
 * client's listener is not called for a detach or close it made itself. A session the manager ends
 * ({@link dev.pagestore.ipc.control.ControlServer#endSession}) is reported {@code ENDED_BY_MANAGER} to the handler and
 * {@code SESSION_ENDED}, with the reason, to the worker's listener, so the worker fails its pending calls at once. A worker that is alive but stuck still holds its connection: hang
 * detection is the job of request deadlines, not of this layer.
 *
 * <h2>Diagnostics</h2>
 * Processes are named by pid and start time ({@link dev.pagestore.ipc.linux.ProcessIdentity}), which names a
 * process unambiguously even after pid reuse; the manager's view of a worker comes from the kernel. Every line a peer
 * can cause at will (a bad frame, a refusal, a false pid claim, an eviction, a refused peer) goes through a
 * {@link dev.pagestore.ipc.control.LogLimiter} of its kind, once a second with the count left out; an attach and a
 * session's end are one line each, five a second at most, DEBUG beyond. The server counts them
 * ({@code protocolErrorCount}, {@code refusedPeerCount}, {@code refusalCount}, {@code attachCount}) for the status
 * region.
 *
 * <h2>Tests</h2>
 * {@code ./mvnw -q -pl ipc -am verify -Dtest='Control*Test' -Dsurefire.failIfNoSpecifiedTests=false}. The liveness
 * test kills a few child JVMs by default; {@code -Dpagestore.control.kills=20} kills 20 of each kind and prints the
 * median and maximum detection latency.
 */
package dev.pagestore.ipc.control;

/**
 * The control plane between the manager and its workers: a Unix domain socket where a worker attaches (and learns
 * its channel's name and parameters) and detaches, and whose open connection is the liveness signal both ways
 * (DESIGN.md §2).
 *
 * <h2>Who is who</h2>
 * <ul>
 *   <li>{@link dev.pagestore.ipc.control.ControlServer} (manager side): one control thread with a selector serves
 *       every connection. It owns the socket file (mode 0600, see {@code ControlSocketFile}
 *       for how the file is made owner-only atomically, how a stale file left by a dead manager is replaced, and why
 *       the caller's {@code flock} is the real ownership rule) and unlinks it on close.</li>
 *   <li>{@link dev.pagestore.ipc.control.AttachHandler}: the manager's policy. The server knows nothing about
 *       channels; the handler creates one on attach (or refuses) and reclaims it when told the session ended.</li>
 *   <li>{@link dev.pagestore.ipc.control.ControlClient} (worker side): connects, attaches, keeps one daemon reader
 *       thread blocked in {@code read} for the whole attachment, and detaches.</li>
 * </ul>
 * This package uses no other pagestore package at run time (it names {@code ExclusiveLock} only in documentation);
 * the channels themselves are built elsewhere and only their names and parameters pass through here.
 *
 * <h2>Protocol</h2>
 * Length-prefixed binary frames, versioned; every byte is drawn in
 * {@link dev.pagestore.ipc.control.ControlMessageDescriptor}. A 12-byte header (magic {@code 'PGCT'}, version,
 * type, body length ≤ 4096) precedes a body. The conversation is fixed:
 * <pre>
 *   worker                                  manager
 *     ATTACH(pid, start time, page size,  ──►
 *            ring capacity, client name)
 *                                         ◄──  ATTACHED(attach id, manager pid, start time,
 *                                                       channel name, granted page size, ring capacity)
 *                                         or   REFUSED(code, message), then close
 *     ... the channel is in use; nothing is sent; the open connection says "alive" ...
 *     DETACH                              ──►
 *                                         ◄──  DETACHED, then close
 * </pre>
 * Every received frame is validated (magic, version, type, length bound, every field, exact body length, order).
 * Malformed input from a peer gets a best-effort REFUSED (code {@code PROTOCOL_ERROR} or {@code BAD_VERSION}) and
 * the close of that one connection; the server keeps serving every other. A connection that does not attach within
 * the handshake timeout is closed, and the number of not-yet-attached connections is bounded.
 *
 * <h2>Liveness rule</h2>
 * No heartbeats. A process that dies, by any means including {@code kill -9}, has its sockets closed by the kernel;
 * the peer's blocked read (worker) or selector (manager) wakes at once with end of stream or a reset:
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
 * are closed, which happens before its exit is reported. A session ended by DETACH is reported {@code ORDERLY}; the client's listener is not
 * called for a detach or close it made itself. A worker that is alive but stuck still holds its connection: hang
 * detection is the job of request deadlines, not of this layer.
 *
 * <h2>Diagnostics</h2>
 * Both sides state their pid and process start time ({@link dev.pagestore.ipc.control.ProcessIdentity}); pid plus
 * start time names a process unambiguously even after pid reuse. The channel will carry them too.
 *
 * <h2>Tests</h2>
 * {@code ./mvnw -q -pl ipc -am verify -Dtest='Control*Test' -Dsurefire.failIfNoSpecifiedTests=false}. The liveness
 * test kills a few child JVMs by default; {@code -Dpagestore.control.kills=20} kills 20 of each kind and prints the
 * median and maximum detection latency.
 */
package dev.pagestore.ipc.control;

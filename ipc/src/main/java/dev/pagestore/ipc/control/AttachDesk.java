package dev.pagestore.ipc.control;

import dev.pagestore.ipc.linux.PeerCredentials;
import dev.pagestore.ipc.linux.ProcessIdentity;
import java.util.LinkedHashSet;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides each well-formed first frame: an ATTACH against the server's limits and then the {@link AttachHandler},
 * an OBSERVE by the handler and the observer cap. The worker's identity is the kernel's ({@code SO_PEERCRED} pid and
 * its start time), never the pid ATTACH claims; a false claim is only counted and logged.
 *
 * <p>Anything the handler throws, {@link Error}s included, refuses that one attach or observe with
 * {@link RefusalCode#INTERNAL_ERROR}.
 *
 * <p>Thread safety: the control thread only; {@link #observerCount()} may be read from any thread.
 */
final class AttachDesk {
    private static final Logger LOG = LoggerFactory.getLogger(ControlServer.class);

    private final ControlServerOptions options;
    private final AttachHandler handler;
    private final ProcessIdentity manager;
    private final ControlEvents events;
    private final PendingConnections pending;
    private final SessionTable sessions;
    private final BooleanSupplier closing;
    /** Observer connections, oldest first. */
    private final LinkedHashSet<ServerConnection> observers = new LinkedHashSet<>();
    private volatile int observerCount;  // written by the control thread only; volatile for the accessor

    AttachDesk(ControlServerOptions options, AttachHandler handler, ProcessIdentity manager, ControlEvents events,
               PendingConnections pending, SessionTable sessions, BooleanSupplier closing) {
        this.options = options;
        this.handler = handler;
        this.manager = manager;
        this.events = events;
        this.pending = pending;
        this.sessions = sessions;
        this.closing = closing;
    }

    /** Observer connections open. */
    int observerCount() {
        return observerCount;
    }

    /** A well-formed ATTACH arrived on {@code connection}: decide it. */
    void attach(ServerConnection connection, AttachRequest request) {
        pending.leave(connection);
        if (closing.getAsBoolean()) {
            refuse(connection, new Refusal(RefusalCode.SHUTTING_DOWN, "the manager is shutting down"));
            return;
        }
        int attachedCount = sessions.attachedCount();
        if (attachedCount >= options.maxWorkers()) {
            refuse(connection, new Refusal(RefusalCode.TOO_MANY_WORKERS, "the manager serves " + attachedCount
                    + " workers, its maximum (maxWorkers=" + options.maxWorkers() + ")"));
            return;
        }
        PeerCredentials peer = connection.peer();
        int ofThisProcess = sessions.attachedOf(peer.pid());
        if (ofThisProcess >= options.maxWorkersPerProcess()) {
            refuse(connection, new Refusal(RefusalCode.TOO_MANY_WORKERS, "pid " + peer.pid() + " already holds "
                    + ofThisProcess + " attachments, the most one process may (maxWorkersPerProcess="
                    + options.maxWorkersPerProcess() + ")"));
            return;
        }
        ProcessIdentity worker = ProcessIdentity.ofPeer(peer.pid(), connection.connectedAtMillis());
        if (request.claimedWorker().pid() != peer.pid()) {
            events.falsePidClaim(request, peer);
        }
        ControlSession session = new ControlSession(sessions.nextAttachId(), request, peer, worker,
                connection.connectedAtNanos());
        sessions.deciding(session, connection);
        AttachDecision decision;
        try {
            decision = handler.onAttach(session, request);
            if (decision == null) {
                throw new IllegalStateException("AttachHandler.onAttach returned null");
            }
        } catch (Throwable e) {
            events.internalError(e, "attach handler failed for {}; refusing it{}", session);
            decision = Refusal.truncating(RefusalCode.INTERNAL_ERROR,
                    "the manager failed to prepare a channel: " + e);
        }
        switch (decision) {
            case Refusal refusal -> {
                sessions.refused(session);
                refuse(connection, session, refusal);
            }
            case AttachGrant grant -> {
                session.granted(grant);
                sessions.attached(session, peer.pid());
                events.attached(session, grant);
                connection.attached(session, new AttachedReply(session.attachId(), manager, grant.pageSizeBytes(),
                        grant.ringCapacity()), grant.channelDescriptor(), grant.statusDescriptor());
            }
        }
    }

    /** A well-formed OBSERVE arrived on {@code connection}: decide it. */
    void observe(ServerConnection connection, ObserveRequest request) {
        pending.leave(connection);
        if (closing.getAsBoolean()) {
            refuse(connection, new Refusal(RefusalCode.SHUTTING_DOWN, "the manager is shutting down"));
            return;
        }
        ProcessIdentity observer = ProcessIdentity.ofPeer(connection.peer().pid(), connection.connectedAtMillis());
        ObserveDecision decision;
        try {
            decision = handler.onObserve(observer, request);
            if (decision == null) {
                throw new IllegalStateException("AttachHandler.onObserve returned null");
            }
        } catch (Throwable e) {
            events.internalError(e, "observe handler failed for {}; refusing it{}", connection);
            decision = Refusal.truncating(RefusalCode.INTERNAL_ERROR, "the manager failed to answer OBSERVE: " + e);
        }
        switch (decision) {
            case Refusal refusal -> refuse(connection, refusal);
            case ObserveGrant grant -> {
                if (observers.size() >= options.maxObservers()) {
                    ServerConnection oldest = observers.iterator().next();
                    events.observerReplaced(oldest, options.maxObservers());
                    oldest.closeUnanswered("replaced by a newer observer");
                }
                observers.add(connection);
                observerCount = observers.size();
                LOG.debug("observer '{}' of {}", ControlMessageDescriptor.printable(request.clientName()), observer);
                connection.observed(new ObservedReply(manager), grant.statusDescriptor());
            }
        }
    }

    /** {@code connection} closed: if it was an observer, its place is free. */
    void closed(ServerConnection connection) {
        if (observers.remove(connection)) {
            observerCount = observers.size();
        }
    }

    /** Refuses the first frame of {@code connection} (counted, and logged within the limit), then closes it. */
    private void refuse(ServerConnection connection, Refusal refusal) {
        refuse(connection, connection, refusal);
    }

    /** As {@link #refuse(ServerConnection, Refusal)}, naming {@code subject} (the would-be session) in the log. */
    private void refuse(ServerConnection connection, Object subject, Refusal refusal) {
        events.refused(subject, refusal);
        connection.refuse(refusal);
    }
}

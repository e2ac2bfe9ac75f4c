package dev.pagestore.client;

import dev.pagestore.ipc.control.AttachRefusedException;
import dev.pagestore.ipc.control.RefusalCode;
import java.io.IOException;
import dev.pagestore.protocol.PageStoreProtocol;
import dev.pagestore.status.StatusRegionDescriptor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A client's current {@link Connection} and the one that replaces it once the manager is back: attaches, swaps in a
 * re-attached connection (in the background with {@link ClientOptions#autoReattach()}, or on a
 * {@link PageStoreClient#reattach} call), and closes both.
 *
 * <p>Thread safety: any thread. {@link #current()} reads a volatile field and only a connection found gone takes
 * this object's monitor, where the swap happens once; the background attach runs on its own daemon thread and hands
 * its connection over through a volatile field.
 */
final class Reattachment {
    private static final Duration OLD_CONNECTION_DETACH = Duration.ofMillis(100);

    /** The data directory attached to first, then its standbys ({@link ClientOptions#failoverDirectories}). */
    private final List<Path> directories;
    private final List<Path> sockets;
    private final ClientOptions options;
    private volatile Connection connection;
    private volatile Connection nextConnection;
    private volatile Thread reattacher;
    private volatile boolean closed;

    private Reattachment(List<Path> directories, List<Path> sockets, ClientOptions options) {
        this.directories = directories;
        this.sockets = sockets;
        this.options = options;
    }

    /**
     * Attaches to the manager on {@code socket} (or, with failover directories, to the first that serves writes,
     * else the first that answers); when none is there and the options ask for it, keeps trying in the background.
     *
     * @throws PageStoreException with {@code MANAGER_GONE} when no manager answers there
     */
    static Reattachment attach(Path directory, Path socket, ClientOptions options) throws PageStoreException {
        List<Path> directories = new ArrayList<>(List.of(directory));
        List<Path> sockets = new ArrayList<>(List.of(socket));
        for (Path other : options.failoverDirectories()) {
            directories.add(other);
            sockets.add(PageStoreProtocol.socketPath(other));
        }
        Reattachment attachment = new Reattachment(List.copyOf(directories), List.copyOf(sockets), options);
        attachment.connection = attachment.connectAny(false);
        if (attachment.connection.gone && options.autoReattach()) {
            attachment.startReattach();
        }
        return attachment;
    }

    /**
     * A connection to the first manager that serves writes (state RUNNING) among the directories; with
     * {@code primaryOnly} false, else to the first that answered. One directory: whatever answers there.
     */
    private Connection connectAny(boolean primaryOnly) throws PageStoreException {
        PageStoreException last = null;
        Connection fallback = null;
        for (int i = 0; i < directories.size(); i++) {
            Connection c;
            try {
                c = connect(directories.get(i), sockets.get(i), options);
            } catch (PageStoreException e) {
                if (e.code() != ErrorCode.MANAGER_GONE && e.code() != ErrorCode.SHUTTING_DOWN) {
                    throw e;
                }
                last = e;
                continue;
            }
            if (directories.size() == 1 || c.status.state() == StatusRegionDescriptor.STATE_RUNNING) {
                if (fallback != null) {
                    fallback.close(OLD_CONNECTION_DETACH);
                }
                return c;
            }
            if (fallback == null && !primaryOnly) {
                fallback = c;
            } else {
                c.close(OLD_CONNECTION_DETACH);
            }
        }
        if (fallback != null) {
            return fallback;
        }
        throw last != null ? last : new PageStoreException(ErrorCode.MANAGER_GONE, "no manager of " + directories
                + " serves writes");
    }

    private static Connection connect(Path directory, Path socket, ClientOptions options)
            throws PageStoreException {
        try {
            return Connection.open(directory, socket, options);
        } catch (AttachRefusedException e) {
            throw new PageStoreException(e.code() == RefusalCode.SHUTTING_DOWN
                    ? ErrorCode.SHUTTING_DOWN : ErrorCode.INVALID, "the manager refused to attach: "
                    + e.getMessage(), e);
        } catch (PageStoreException e) {
            throw e;
        } catch (IOException e) {
            throw new PageStoreException(ErrorCode.MANAGER_GONE, "no manager answers on " + socket + ": "
                    + e.getMessage(), e);
        }
    }

    /** The connection as it is, usable or not: for facts about the manager last attached to. */
    Connection connection() {
        return connection;
    }

    /** The connection to use now: swaps in a re-attached one, or fails with MANAGER_GONE / CLOSED. */
    Connection current() throws PageStoreException {
        if (closed) {
            throw new PageStoreException(ErrorCode.CLOSED, "the client is closed");
        }
        Connection c = connection;
        return c.gone ? afterGone(c) : c;
    }

    /** Swaps in the re-attached connection if there is one; one thread at a time, any number asking. */
    private synchronized Connection afterGone(Connection seen) throws PageStoreException {
        if (closed) {
            throw new PageStoreException(ErrorCode.CLOSED, "the client is closed");
        }
        Connection c = connection;
        if (c != seen && !c.gone) {
            return c;  // another thread swapped it in
        }
        Connection next = nextConnection;
        if (next != null) {
            nextConnection = null;
            replaceWith(next);
            return next;
        }
        if (options.autoReattach()) {
            startReattach();
        }
        c.checkUsable();
        return c;
    }

    private synchronized void startReattach() {
        if (reattacher != null && reattacher.isAlive()) {
            return;
        }
        reattacher = new Thread(() -> {
            long backoffMillis = 10;
            while (!closed && nextConnection == null) {
                try {
                    Thread.sleep(backoffMillis);
                    Connection fresh = connectAny(true);
                    synchronized (Reattachment.this) {
                        if (closed) {
                            fresh.close(OLD_CONNECTION_DETACH);  // the client closed while this attached
                        } else {
                            nextConnection = fresh;
                        }
                    }
                    return;
                } catch (IOException e) {
                    // a failover takes a second or two, and each try is a connect: keep trying often then
                    backoffMillis = Math.min(directories.size() > 1 ? 50 : 1000, backoffMillis * 2);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "pagestore-client-reattach");
        reattacher.setDaemon(true);
        reattacher.start();
    }

    /**
     * See {@link PageStoreClient#reattach}: attaches again now, waiting up to {@code timeout}. The attempts run
     * without this object's monitor, so other threads' calls fail fast (MANAGER_GONE) meanwhile instead of waiting
     * behind it; only the swap takes the monitor.
     */
    void reattach(Duration timeout) throws PageStoreException {
        long deadline = System.nanoTime() + timeout.toNanos();
        PageStoreException last = null;
        while (System.nanoTime() < deadline) {
            synchronized (this) {
                if (closed) {
                    throw new PageStoreException(ErrorCode.CLOSED, "the client is closed");
                }
                Connection next = nextConnection;
                if (next != null) {
                    nextConnection = null;
                    replaceWith(next);
                    return;
                }
            }
            try {
                Connection fresh = connectAny(true);
                synchronized (this) {
                    if (closed) {
                        fresh.close(OLD_CONNECTION_DETACH);
                        throw new PageStoreException(ErrorCode.CLOSED, "the client is closed");
                    }
                    replaceWith(fresh);
                }
                return;
            } catch (PageStoreException e) {
                if (e.code() == ErrorCode.CLOSED) {
                    throw e;
                }
                last = e;
                try {
                    Thread.sleep(20);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        throw last != null ? last : new PageStoreException(ErrorCode.MANAGER_GONE, "no manager within " + timeout);
    }

    private void replaceWith(Connection fresh) {
        Connection old = connection;
        connection = fresh;
        ReattachedEvent event = new ReattachedEvent();
        if (event.shouldCommit()) {
            event.previousManagerPid = old.status.managerPid();
            event.managerPid = fresh.status.managerPid();
            event.managerEpoch = fresh.status.epoch();
            event.commit();
        }
        old.close(OLD_CONNECTION_DETACH);
    }

    /**
     * Stops the background attach and detaches both connections; idempotent. The flag goes up first, so a
     * {@link #reattach} in progress stops at its next attempt; the swaps and this close then take turns.
     */
    void close() {
        if (closed) {
            return;
        }
        closed = true;
        Thread r = reattacher;
        if (r != null) {
            r.interrupt();
        }
        synchronized (this) {
            connection.close(Duration.ofSeconds(1));
            Connection next = nextConnection;
            nextConnection = null;
            if (next != null) {
                next.close(OLD_CONNECTION_DETACH);
            }
        }
    }
}

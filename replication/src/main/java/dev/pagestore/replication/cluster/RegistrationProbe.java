package dev.pagestore.replication.cluster;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.OptionalLong;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;

/**
 * The launcher's ZooKeeper session, through which it sees whether ZooKeeper answers and which bookies are registered
 * as writable (each bookie holds an ephemeral znode {@code /ledgers/available/ID} while it is writable, and moves to
 * {@code /ledgers/available/readonly/ID} when it turns read-only).
 *
 * <h2>Why the owner's session, not just the znode</h2>
 * A bookie killed with SIGKILL leaves its znode behind until its session expires (its {@code zkTimeout}). A restarted
 * bookie is ready only once the znode is there <em>under another session</em>: {@link #writableOwner} gives the
 * session, and the caller compares it with the one it saw before the start.
 *
 * <p>A plain ZooKeeper client, not BookKeeper's: it is light, and it sees the registrations exactly as the bookies
 * write them. Thread-safe (as {@link ZooKeeper} is).
 */
final class RegistrationProbe implements AutoCloseable {
    private static final int SESSION_TIMEOUT_MILLIS = 10_000;
    private static final int FOUR_LETTER_TIMEOUT_MILLIS = 2_000;

    private final ZooKeeper zooKeeper;

    private RegistrationProbe(ZooKeeper zooKeeper) {
        this.zooKeeper = zooKeeper;
    }

    /**
     * Whether the ZooKeeper server on {@code port} serves requests, asked with its {@code srvr} four-letter word (the
     * one ZooKeeper 3.5+ allows by default). Its port opens before it has loaded its database, and a client that
     * connects then is dropped and retries only after up to a second, logging a stack trace.
     */
    static boolean isServing(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), FOUR_LETTER_TIMEOUT_MILLIS);
            socket.setSoTimeout(FOUR_LETTER_TIMEOUT_MILLIS);
            socket.getOutputStream().write("srvr".getBytes(StandardCharsets.US_ASCII));
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            return answer.startsWith("Zookeeper version");  // else "... not currently serving requests"
        } catch (IOException e) {
            return false;  // not listening yet, or gone: the caller checks the process
        }
    }

    /** Opens a session to {@code connectString}; it connects in the background ({@link #isConnected}). */
    static RegistrationProbe open(String connectString) throws IOException {
        return new RegistrationProbe(new ZooKeeper(connectString, SESSION_TIMEOUT_MILLIS, event -> {
            // connection state is polled through isConnected(); nothing to do per event
        }));
    }

    boolean isConnected() {
        return zooKeeper.getState().isConnected();
    }

    /**
     * The session owning bookie {@code bookieId}'s writable registration, or empty when it has none.
     *
     * @throws KeeperException when ZooKeeper cannot be asked (connection loss, session expiry)
     */
    OptionalLong writableOwner(String bookieId) throws KeeperException, InterruptedException {
        Stat stat = zooKeeper.exists(ServiceConfigs.LEDGERS_ROOT + "/available/" + bookieId, false);
        return stat == null ? OptionalLong.empty() : OptionalLong.of(stat.getEphemeralOwner());
    }

    /** Closes the session; an interrupt ends the wait for ZooKeeper's goodbye, and is kept for the caller. */
    @Override
    public void close() {
        try {
            zooKeeper.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

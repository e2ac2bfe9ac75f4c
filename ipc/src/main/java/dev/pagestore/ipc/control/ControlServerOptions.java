package dev.pagestore.ipc.control;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How a {@link ControlServer} runs.
 *
 * <h2>Handshakes cannot be exhausted by one peer</h2>
 * A connection that has not yet sent ATTACH or OBSERVE is pending. Three bounds together keep any one process from
 * locking others out: a process may hold at most {@code maxPendingPerProcess} pending connections (the kernel's pid,
 * {@code SO_PEERCRED}; its newcomer evicts its own oldest); every pending connection has {@code handshakeTimeout} from
 * its accept to complete its first frame, however slowly it dribbles bytes; and when {@code maxPendingConnections}
 * are pending, a newcomer evicts the oldest of all instead of being refused. A well-behaved worker sends ATTACH right after
 * connecting, so it is read before many newer connections can push it out.
 *
 * @param socketPath where the socket file is made; at most 107 bytes (the {@code sun_path} limit), and its directory
 *        plus about 30 bytes must fit too (the socket is bound in a private directory there first)
 * @param maxWorkers attached sessions allowed at once; the next attach is refused with
 *        {@link RefusalCode#TOO_MANY_WORKERS}
 * @param maxWorkersPerProcess attached sessions one process (the kernel's pid) may hold at once, so that one process
 *        cannot take every session and every channel's memory from the others; the next is refused
 *        {@link RefusalCode#TOO_MANY_WORKERS}
 * @param maxPendingConnections connections allowed to be open without a first frame; a newcomer beyond it evicts the
 *        oldest
 * @param maxPendingPerProcess pending connections one process may hold; its newcomer evicts its own oldest
 * @param maxObservers observer connections (OBSERVE) kept open; a newcomer beyond it closes the oldest (whose tool
 *        keeps its mapping of the status region, only not the connection)
 * @param handshakeTimeout how long a connection may stay open without completing its first frame before it is
 *        closed; attached sessions have no timeout, their liveness is the socket
 */
public record ControlServerOptions(Path socketPath, int maxWorkers, int maxWorkersPerProcess,
                                   int maxPendingConnections, int maxPendingPerProcess, int maxObservers,
                                   Duration handshakeTimeout) {
    public static final int DEFAULT_MAX_WORKERS = 256;
    public static final int DEFAULT_MAX_WORKERS_PER_PROCESS = 64;
    public static final int DEFAULT_MAX_PENDING_CONNECTIONS = 64;
    public static final int DEFAULT_MAX_PENDING_PER_PROCESS = 8;
    public static final int DEFAULT_MAX_OBSERVERS = 16;
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(2);

    public ControlServerOptions {
        if (socketPath == null) {
            throw new IllegalArgumentException("socketPath is null");
        }
        if (maxWorkers < 1) {
            throw new IllegalArgumentException("maxWorkers=" + maxWorkers + " must be at least 1");
        }
        if (maxWorkersPerProcess < 1 || maxWorkersPerProcess > maxWorkers) {
            throw new IllegalArgumentException("maxWorkersPerProcess=" + maxWorkersPerProcess + " must be in [1, "
                    + maxWorkers + "] (maxWorkers)");
        }
        if (maxPendingConnections < 1) {
            throw new IllegalArgumentException(
                    "maxPendingConnections=" + maxPendingConnections + " must be at least 1");
        }
        if (maxPendingPerProcess < 1 || maxPendingPerProcess > maxPendingConnections) {
            throw new IllegalArgumentException("maxPendingPerProcess=" + maxPendingPerProcess + " must be in [1, "
                    + maxPendingConnections + "] (maxPendingConnections)");
        }
        if (maxObservers < 1) {
            throw new IllegalArgumentException("maxObservers=" + maxObservers + " must be at least 1");
        }
        if (handshakeTimeout == null || handshakeTimeout.isNegative() || handshakeTimeout.isZero()) {
            throw new IllegalArgumentException("handshakeTimeout=" + handshakeTimeout + " must be positive");
        }
    }

    /** Defaults for everything but the path. */
    public static ControlServerOptions at(Path socketPath) {
        return new ControlServerOptions(socketPath, DEFAULT_MAX_WORKERS, DEFAULT_MAX_WORKERS_PER_PROCESS,
                DEFAULT_MAX_PENDING_CONNECTIONS,
                DEFAULT_MAX_PENDING_PER_PROCESS, DEFAULT_MAX_OBSERVERS, DEFAULT_HANDSHAKE_TIMEOUT);
    }

    /** Also lowers {@link #maxWorkersPerProcess} to {@code workers} when it was larger. */
    public ControlServerOptions withMaxWorkers(int workers) {
        return new ControlServerOptions(socketPath, workers, Math.min(maxWorkersPerProcess, workers),
                maxPendingConnections, maxPendingPerProcess, maxObservers, handshakeTimeout);
    }

    public ControlServerOptions withMaxWorkersPerProcess(int workers) {
        return new ControlServerOptions(socketPath, maxWorkers, workers, maxPendingConnections,
                maxPendingPerProcess, maxObservers, handshakeTimeout);
    }

    /** Also lowers {@link #maxPendingPerProcess} to {@code pending} when it was larger. */
    public ControlServerOptions withMaxPendingConnections(int pending) {
        return new ControlServerOptions(socketPath, maxWorkers, maxWorkersPerProcess, pending,
                Math.min(maxPendingPerProcess, pending),
                maxObservers, handshakeTimeout);
    }

    public ControlServerOptions withMaxPendingPerProcess(int pending) {
        return new ControlServerOptions(socketPath, maxWorkers, maxWorkersPerProcess, maxPendingConnections, pending,
                maxObservers,
                handshakeTimeout);
    }

    public ControlServerOptions withMaxObservers(int observers) {
        return new ControlServerOptions(socketPath, maxWorkers, maxWorkersPerProcess, maxPendingConnections,
                maxPendingPerProcess, observers, handshakeTimeout);
    }

    public ControlServerOptions withHandshakeTimeout(Duration timeout) {
        return new ControlServerOptions(socketPath, maxWorkers, maxWorkersPerProcess, maxPendingConnections,
                maxPendingPerProcess, maxObservers, timeout);
    }
}

package dev.pagestore.ipc.control;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How a {@link ControlServer} runs.
 *
 * @param socketPath where the socket file is made; at most 107 bytes (the {@code sun_path} limit), and its directory
 *        plus about 30 bytes must fit too (the socket is bound in a private directory there first)
 * @param maxWorkers attached sessions allowed at once; the next attach is refused with
 *        {@link RefusalCode#TOO_MANY_WORKERS}
 * @param maxPendingConnections connections allowed to be open without having attached yet; more are closed at once
 * @param handshakeTimeout how long a connection may stay open without completing ATTACH before it is closed (a
 *        silent client cannot hold a slot forever); attached sessions have no timeout, their liveness is the socket
 */
public record ControlServerOptions(Path socketPath, int maxWorkers, int maxPendingConnections,
                                   Duration handshakeTimeout) {
    public static final int DEFAULT_MAX_WORKERS = 256;
    public static final int DEFAULT_MAX_PENDING_CONNECTIONS = 64;
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(5);

    public ControlServerOptions {
        if (socketPath == null) {
            throw new IllegalArgumentException("socketPath is null");
        }
        if (maxWorkers < 1) {
            throw new IllegalArgumentException("maxWorkers=" + maxWorkers + " must be at least 1");
        }
        if (maxPendingConnections < 1) {
            throw new IllegalArgumentException(
                    "maxPendingConnections=" + maxPendingConnections + " must be at least 1");
        }
        if (handshakeTimeout == null || handshakeTimeout.isNegative() || handshakeTimeout.isZero()) {
            throw new IllegalArgumentException("handshakeTimeout=" + handshakeTimeout + " must be positive");
        }
    }

    /** Defaults for everything but the path. */
    public static ControlServerOptions at(Path socketPath) {
        return new ControlServerOptions(socketPath, DEFAULT_MAX_WORKERS, DEFAULT_MAX_PENDING_CONNECTIONS,
                DEFAULT_HANDSHAKE_TIMEOUT);
    }

    public ControlServerOptions withMaxWorkers(int workers) {
        return new ControlServerOptions(socketPath, workers, maxPendingConnections, handshakeTimeout);
    }

    public ControlServerOptions withMaxPendingConnections(int pending) {
        return new ControlServerOptions(socketPath, maxWorkers, pending, handshakeTimeout);
    }

    public ControlServerOptions withHandshakeTimeout(Duration timeout) {
        return new ControlServerOptions(socketPath, maxWorkers, maxPendingConnections, timeout);
    }
}

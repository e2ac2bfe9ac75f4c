package dev.pagestore.client;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * How a {@link PageStoreClient} attaches and behaves.
 *
 * @param clientName        a label for the manager's logs (1..64 bytes)
 * @param defaultTimeout    the deadline of calls that name none
 * @param ringCapacity      requested ring entries and buffer slots: a power of two from 16 up to the manager's
 *                          {@code ringCapacity} (a larger one is refused, not cut down), or 0 (the default) for
 *                          the manager's
 * @param attachTimeout     how long to wait for the manager's answer to ATTACH
 * @param autoReattach      after the manager is gone, attach again in the background (backoff 10 ms doubling to
 *                          1 s, or to 50 ms with failover directories); calls fail with MANAGER_GONE until it
 *                          succeeds
 * @param failoverDirectories other data directories of the same replicated store (its standbys), tried after the
 *                          one attached to: the client then attaches to the first whose manager serves writes (the
 *                          primary), or, at the first attach only, to the first that answers; and re-attaches only to
 *                          a primary, so after a failover it follows the standby that took over
 */
public record ClientOptions(String clientName, Duration defaultTimeout, int ringCapacity, Duration attachTimeout,
        boolean autoReattach, List<Path> failoverDirectories) {
    public ClientOptions {
        failoverDirectories = List.copyOf(failoverDirectories);
        if (clientName == null || clientName.isEmpty()) {
            throw new IllegalArgumentException("clientName must not be empty");
        }
        if (defaultTimeout == null || defaultTimeout.isNegative() || defaultTimeout.isZero()) {
            throw new IllegalArgumentException("defaultTimeout=" + defaultTimeout + " must be positive");
        }
        if (ringCapacity != 0 && (ringCapacity < 16 || Integer.bitCount(ringCapacity) != 1)) {
            throw new IllegalArgumentException("ringCapacity=" + ringCapacity
                    + " must be a power of two >= 16, or 0 for the manager's");
        }
        if (attachTimeout == null || attachTimeout.isNegative() || attachTimeout.isZero()) {
            throw new IllegalArgumentException("attachTimeout=" + attachTimeout + " must be positive");
        }
    }

    /** 5 s default deadline, the manager's ring capacity (64 by default), no automatic re-attach. */
    public static ClientOptions defaults() {
        return new ClientOptions("worker-" + ProcessHandle.current().pid(), Duration.ofSeconds(5), 0,
                Duration.ofSeconds(5), false, List.of());
    }

    public ClientOptions withClientName(String value) {
        return new ClientOptions(value, defaultTimeout, ringCapacity, attachTimeout, autoReattach, failoverDirectories);
    }

    public ClientOptions withDefaultTimeout(Duration value) {
        return new ClientOptions(clientName, value, ringCapacity, attachTimeout, autoReattach, failoverDirectories);
    }

    public ClientOptions withRingCapacity(int value) {
        return new ClientOptions(clientName, defaultTimeout, value, attachTimeout, autoReattach, failoverDirectories);
    }

    public ClientOptions withAutoReattach(boolean value) {
        return new ClientOptions(clientName, defaultTimeout, ringCapacity, attachTimeout, value, failoverDirectories);
    }

    /** The data directories of the store's standbys, tried in order after the first (see the record's comment). */
    public ClientOptions withFailoverDirectories(List<Path> value) {
        return new ClientOptions(clientName, defaultTimeout, ringCapacity, attachTimeout, autoReattach, value);
    }
}

package dev.pagestore.client;

import java.time.Duration;

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
 *                          1 s); calls fail with MANAGER_GONE until it succeeds
 */
public record ClientOptions(String clientName, Duration defaultTimeout, int ringCapacity, Duration attachTimeout,
        boolean autoReattach) {
    public ClientOptions {
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
                Duration.ofSeconds(5), false);
    }

    public ClientOptions withClientName(String value) {
        return new ClientOptions(value, defaultTimeout, ringCapacity, attachTimeout, autoReattach);
    }

    public ClientOptions withDefaultTimeout(Duration value) {
        return new ClientOptions(clientName, value, ringCapacity, attachTimeout, autoReattach);
    }

    public ClientOptions withRingCapacity(int value) {
        return new ClientOptions(clientName, defaultTimeout, value, attachTimeout, autoReattach);
    }

    public ClientOptions withAutoReattach(boolean value) {
        return new ClientOptions(clientName, defaultTimeout, ringCapacity, attachTimeout, value);
    }
}

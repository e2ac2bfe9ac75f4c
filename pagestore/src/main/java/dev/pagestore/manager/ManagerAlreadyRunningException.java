package dev.pagestore.manager;

import java.io.IOException;

/** Another manager process holds the data directory; the message names its pid. */
public final class ManagerAlreadyRunningException extends IOException {
    private static final long serialVersionUID = 1L;
    private final String holder;

    public ManagerAlreadyRunningException(String message, String holder, Throwable cause) {
        super(message, cause);
        this.holder = holder;
    }

    /** {@code "pid 1234 (java ...)"}. */
    public String holder() {
        return holder;
    }
}

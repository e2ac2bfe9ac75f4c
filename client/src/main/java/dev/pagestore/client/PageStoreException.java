package dev.pagestore.client;

import java.io.IOException;

/** A page store call failed; {@link #code()} says how. Asynchronous calls complete exceptionally with it. */
public final class PageStoreException extends IOException {
    private static final long serialVersionUID = 1L;
    private final ErrorCode code;

    public PageStoreException(ErrorCode code, String message) {
        super(code + ": " + message);
        this.code = code;
    }

    public PageStoreException(ErrorCode code, String message, Throwable cause) {
        super(code + ": " + message, cause);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }
}

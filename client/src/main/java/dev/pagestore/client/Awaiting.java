package dev.pagestore.client;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** How a synchronous call waits for its future: every failure as a {@link PageStoreException} with its code. */
final class Awaiting {
    /** The manager answers TIMEOUT at the deadline; the grace covers a manager that cannot answer at all. */
    private static final long GRACE_NANOS = 2_000_000_000L;

    private Awaiting() {
    }

    static <T> T await(CompletableFuture<T> future, Duration timeout) throws PageStoreException {
        try {
            return future.get(timeout.toNanos() + GRACE_NANOS, TimeUnit.NANOSECONDS);
        } catch (ExecutionException | CompletionException e) {
            Throwable cause = e.getCause();
            while ((cause instanceof CompletionException || cause instanceof ExecutionException)
                    && cause.getCause() != null) {
                cause = cause.getCause();
            }
            if (cause instanceof PageStoreException p) {
                throw new PageStoreException(p.code(), p.getMessage().substring(p.code().name().length() + 2), p);
            }
            throw new PageStoreException(ErrorCode.PROTOCOL_ERROR, "unexpected failure: " + cause, cause);
        } catch (TimeoutException e) {
            RequestTimedOutEvent.record(-1, "client", false);  // a batch's or a future's wait: no one request's id
            throw new PageStoreException(ErrorCode.TIMEOUT, "no answer from the manager within " + timeout
                    + " plus 2 s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PageStoreException(ErrorCode.TIMEOUT, "interrupted while waiting", e);
        }
    }
}

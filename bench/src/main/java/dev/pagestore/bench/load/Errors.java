package dev.pagestore.bench.load;

import dev.pagestore.client.PageStoreException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** The name an operation's failure is counted under: the client's {@code ErrorCode}, else the exception's class. */
final class Errors {
    private Errors() {
    }

    static String name(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof PageStoreException e) {
            return e.code().name();
        }
        return cause.getClass().getSimpleName();
    }
}

package dev.pagestore.client;

/**
 * Receives the outcomes of requests submitted with {@link Poller#trySubmitRead} and
 * {@link Poller#trySubmitWrite}, from {@link Poller#poll}, on the polling thread.
 */
@FunctionalInterface
public interface PollHandler {
    /**
     * One request ended.
     *
     * @param tag   the tag it was submitted with
     * @param error null when it succeeded (a read's page is in its destination, a write is durable); else why it
     *              failed, with the same meaning as a {@link PageStoreException}'s code
     */
    void onCompletion(long tag, ErrorCode error);
}

package dev.pagestore.nvme;

/**
 * Counters of one {@link QueuePair}. Written only by the owner thread; another thread (a monitor) may read them, and
 * then sees values that are each correct but possibly not mutually consistent.
 */
public final class QueuePairMetrics {
    long commandsSubmitted;
    long doorbells;
    long completions;
    long unmappedCompletions;
    long duplicateCompletions;
    long timeouts;
    long fencesReleased;
    long retries;
    long abortedOnClose;
    long discardedOnClose;

    /** Commands handed to the device, retries included. */
    public long commandsSubmitted() {
        return commandsSubmitted;
    }

    /** Doorbell rings: one per {@link QueuePair#submit()} that had something to submit, plus one per retry batch. */
    public long doorbells() {
        return doorbells;
    }

    /** Completions delivered to callers (timeouts included). */
    public long completions() {
        return completions;
    }

    /** Completions whose command id mapped to no outstanding command. Non-zero means a bug or a torn queue. */
    public long unmappedCompletions() {
        return unmappedCompletions;
    }

    /** Second completions for a command already completed. */
    public long duplicateCompletions() {
        return duplicateCompletions;
    }

    public long timeouts() {
        return timeouts;
    }

    /** Timed-out commands whose real completion has since arrived. */
    public long fencesReleased() {
        return fencesReleased;
    }

    public long retries() {
        return retries;
    }

    /** Commands failed as {@link IoStatus#ABORTED} by close because they did not drain in time. */
    public long abortedOnClose() {
        return abortedOnClose;
    }

    /** Completions that close had nobody to deliver to ({@link CompletionHandler#DISCARD}). */
    public long discardedOnClose() {
        return discardedOnClose;
    }

    @Override
    public String toString() {
        return "QueuePairMetrics{submitted=" + commandsSubmitted + ", doorbells=" + doorbells
                + ", completions=" + completions + ", unmapped=" + unmappedCompletions
                + ", duplicate=" + duplicateCompletions + ", timeouts=" + timeouts
                + ", fencesReleased=" + fencesReleased + ", retries=" + retries
                + ", abortedOnClose=" + abortedOnClose + ", discardedOnClose=" + discardedOnClose + '}';
    }
}

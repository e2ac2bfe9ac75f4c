package dev.pagestore.nvme;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Test helper: records every completion and event of a queue pair, and polls until enough have arrived. */
public final class RecordingHandler implements CompletionHandler, QueuePairListener {

    /** One completion as delivered. */
    public record Completion(long tag, IoStatus status, int transferredBytes, int detail) {
    }

    public final List<Completion> completions = new ArrayList<>();
    public final Map<Long, Completion> byTag = new LinkedHashMap<>();
    public final List<Integer> unmappedCids = new ArrayList<>();
    public final List<Integer> duplicateCids = new ArrayList<>();
    public final List<Long> timedOutTags = new ArrayList<>();
    public final List<Long> fenceReleasedTags = new ArrayList<>();
    public final List<Long> retriedTags = new ArrayList<>();
    private final String context;

    /** {@code context} goes into every failure message (the seed, the backend). */
    public RecordingHandler(String context) {
        this.context = context;
    }

    @Override
    public void onCompletion(long tag, IoStatus status, int transferredBytes, int detail) {
        Completion c = new Completion(tag, status, transferredBytes, detail);
        completions.add(c);
        Completion previous = byTag.put(tag, c);
        if (previous != null) {
            throw new AssertionError(context + ": tag " + tag + " completed twice: " + previous + " then " + c);
        }
    }

    @Override
    public void onUnmappedCompletion(int queuePairId, int cid, IoStatus status, int detail) {
        unmappedCids.add(cid);
    }

    @Override
    public void onDuplicateCompletion(int queuePairId, int cid, long tag) {
        duplicateCids.add(cid);
    }

    @Override
    public void onTimeout(int queuePairId, int cid, long tag) {
        timedOutTags.add(tag);
    }

    @Override
    public void onFenceReleased(int queuePairId, int cid, long tag, IoStatus status) {
        fenceReleasedTags.add(tag);
    }

    @Override
    public void onRetry(int queuePairId, int cid, long tag, IoStatus status, int attempt, long backoffNanos) {
        retriedTags.add(tag);
    }

    /** Polls until {@code count} completions in total have been delivered; fails after a bounded number of polls. */
    public void pollUntil(QueuePair queuePair, int count) {
        long end = System.nanoTime() + 20_000_000_000L;
        for (int polls = 0; completions.size() < count; polls++) {
            // Bounded by time only: a count of polls passes faster on a quiet machine than a slow command takes.
            if (System.nanoTime() > end) {
                throw new AssertionError(context + ": only " + completions.size() + " of " + count
                        + " completions after " + polls + " polls; " + queuePair + " " + queuePair.metrics());
            }
            queuePair.poll(64, this);
        }
    }

    /** Polls {@code times} times. */
    public void pollTimes(QueuePair queuePair, int times) {
        for (int i = 0; i < times; i++) {
            queuePair.poll(64, this);
        }
    }

    public Completion get(long tag) {
        Completion c = byTag.get(tag);
        if (c == null) {
            throw new AssertionError(context + ": tag " + tag + " has not completed; completions " + completions);
        }
        return c;
    }
}

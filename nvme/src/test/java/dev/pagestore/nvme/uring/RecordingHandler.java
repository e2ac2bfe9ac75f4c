package dev.pagestore.nvme.uring;

import java.util.ArrayList;
import java.util.List;

/** Collects completions for assertions. */
final class RecordingHandler implements CqeHandler {
    record Completion(long callerId, UringOp op, int result) {
    }

    final List<Completion> completions = new ArrayList<>();

    @Override
    public void onCompletion(long callerId, UringOp op, int result) {
        completions.add(new Completion(callerId, op, result));
    }

    Completion find(UringOp op, long callerId) {
        for (Completion c : completions) {
            if (c.op() == op && c.callerId() == callerId) {
                return c;
            }
        }
        throw new AssertionError("no completion for " + op + " " + callerId + " in " + completions);
    }

    /** Reaps until {@code count} completions are recorded, waiting in the kernel as needed. */
    static RecordingHandler reapAll(IoUring ring, int count) {
        RecordingHandler handler = new RecordingHandler();
        while (handler.completions.size() < count) {
            if (ring.completionsReady() == 0) {
                ring.submitAndWait(1);
            }
            ring.reap(count, handler);
        }
        return handler;
    }
}

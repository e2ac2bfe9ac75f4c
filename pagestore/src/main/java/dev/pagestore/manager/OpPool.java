package dev.pagestore.manager;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.function.IntFunction;

/**
 * The reactor's {@link Op}s, made once and reused, so serving a request allocates nothing. An op's id is its index
 * here: device commands carry it in their tag, and a completion finds its op in one array read.
 *
 * <p>Reactor thread only.
 */
final class OpPool {
    private final IntFunction<Op> factory;
    private final WriteStaging staging;
    private final Deadlines deadlines;
    private final ArrayDeque<Op> free = new ArrayDeque<>();
    private Op[] ops = new Op[0];
    private int live;

    OpPool(IntFunction<Op> factory, WriteStaging staging, Deadlines deadlines) {
        this.factory = factory;
        this.staging = staging;
        this.deadlines = deadlines;
        grow(64);
    }

    /** A free op, reset for {@code session}; counted in the session's work in progress until {@link #release}. */
    Op allocate(byte kind, ChannelSession session, long nowNanos) {
        if (free.isEmpty()) {
            grow(ops.length * 2);
        }
        Op op = free.poll();
        op.reset(kind, session, nowNanos);
        session.inProgressOps++;
        live++;
        return op;
    }

    /** Gives back the op's private copies, its deadline and the op itself. */
    void release(Op op) {
        for (int m = 0; m < op.memberCount; m++) {
            if (op.staging[m] != null) {
                staging.release(op.staging[m]);
                op.staging[m] = null;
            }
        }
        deadlines.remove(op);
        op.session.inProgressOps--;
        live--;
        op.session = null;
        free.add(op);
    }

    Op byId(int id) {
        return ops[id];
    }

    /** Ops allocated and not yet released. */
    int live() {
        return live;
    }

    private void grow(int length) {
        int old = ops.length;
        ops = Arrays.copyOf(ops, length);
        for (int i = old; i < length; i++) {
            ops[i] = factory.apply(i);
            free.add(ops[i]);
        }
    }
}

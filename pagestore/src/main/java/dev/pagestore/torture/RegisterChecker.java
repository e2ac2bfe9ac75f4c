package dev.pagestore.torture;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks that every page of a history behaves as a linearizable read/write register: every read returns the value of
 * the latest write linearized before it, for some order of the operations that respects real time (an operation that
 * completed before another was invoked comes first). A write whose outcome is unknown may have happened at any time
 * after its invocation, or not at all; a write that failed before it was sent never happened.
 *
 * <h2>How</h2>
 * Writes write distinct values, which makes the check exact and O(n log n) per page (Gibbons and Korach's zones, the
 * approach behind Jepsen's fast register checks). Each value's <em>cluster</em> is its write and the reads that
 * returned it. Its zone runs from the earliest completion in the cluster to the latest invocation: a
 * <em>forward</em> zone when the earliest completion comes first (the value was certainly in place from then until
 * then), else a <em>backward</em> zone. The page is linearizable if and only if no read completes before its write is
 * invoked, no two forward zones overlap, and no backward zone lies inside another cluster's forward zone. The
 * unwritten page's value is a cluster whose write is at the beginning of time; a write with an unknown outcome
 * completes at the end of time, and is left out when nobody read it.
 *
 * <p>Stateless; thread-safe.
 */
public final class RegisterChecker {
    private static final long BEGINNING = Long.MIN_VALUE;
    private static final long END = Long.MAX_VALUE;

    /** A reason a page is not a linearizable register, with the operations that show it. */
    public record Violation(long page, String reason, List<PageOperation> operations) {
        public Violation {
            operations = List.copyOf(operations);
        }
    }

    /** One value's write (null for the unwritten page) and the reads that returned it. */
    private static final class Cluster {
        final long value;
        PageOperation write;
        final List<PageOperation> reads = new ArrayList<>();
        long low = END;
        long high = BEGINNING;

        Cluster(long value) {
            this.value = value;
        }

        long writeInvoke() {
            return write == null ? BEGINNING : write.invokeNanos();
        }

        long writeComplete() {
            if (write == null) {
                return BEGINNING;
            }
            return write.outcome() == PageOperation.Outcome.OK ? write.completeNanos() : END;
        }

        boolean forward() {
            return low < high;
        }

        List<PageOperation> operations() {
            List<PageOperation> all = new ArrayList<>();
            if (write != null) {
                all.add(write);
            }
            all.addAll(reads);
            return all;
        }
    }

    /**
     * The violations in {@code history}, at most one per page, in page order; empty when every page is linearizable.
     *
     * @throws IllegalArgumentException when two writes of one page write the same value (values must name writes)
     */
    public List<Violation> check(List<PageOperation> history) {
        Map<Long, List<PageOperation>> byPage = new HashMap<>();
        for (PageOperation op : history) {
            byPage.computeIfAbsent(op.page(), p -> new ArrayList<>()).add(op);
        }
        List<Violation> violations = new ArrayList<>();
        byPage.keySet().stream().sorted().forEach(page -> {
            Violation v = checkPage(page, byPage.get(page));
            if (v != null) {
                violations.add(v);
            }
        });
        return violations;
    }

    private static Violation checkPage(long page, List<PageOperation> operations) {
        Map<Long, Cluster> clusters = new HashMap<>();
        for (PageOperation op : operations) {
            if (op.write()) {
                Cluster c = clusters.computeIfAbsent(op.value(), Cluster::new);
                if (c.write != null) {
                    throw new IllegalArgumentException("page " + page + ": two writes of value " + op.value() + " ("
                            + c.write + ", " + op + "): each write must write its own value");
                }
                c.write = op;
            } else if (op.outcome() == PageOperation.Outcome.OK) {
                clusters.computeIfAbsent(op.value(), Cluster::new).reads.add(op);
            }
        }
        List<Cluster> live = new ArrayList<>();
        for (Cluster c : clusters.values()) {
            Violation v = settle(page, c);
            if (v != null) {
                return v;
            }
            assert c.write != null || c.value == PageOperation.INITIAL : "settle lets no foreign value through";
            boolean happened = !c.reads.isEmpty() || (c.write != null
                    && c.write.outcome() == PageOperation.Outcome.OK);
            if (happened) {
                live.add(c);
            }
        }
        return zones(page, live);
    }

    /** Checks one cluster on its own and computes its zone; a violation when its reads cannot be of its write. */
    private static Violation settle(long page, Cluster c) {
        if (c.write == null && c.value != PageOperation.INITIAL) {
            return new Violation(page, "a read returned " + c.value + ", which no write of this page wrote (a torn,"
                    + " foreign or corrupted page)", c.reads);
        }
        if (c.write != null && c.write.outcome() == PageOperation.Outcome.FAILED && !c.reads.isEmpty()) {
            return new Violation(page, "a read returned " + c.value + ", written by a write that failed before it"
                    + " was sent", c.operations());
        }
        c.low = c.writeComplete();
        c.high = c.writeInvoke();
        for (PageOperation read : c.reads) {
            if (read.completeNanos() < c.writeInvoke()) {
                return new Violation(page, "a read returned " + c.value + " before its write was invoked",
                        List.of(c.write, read));
            }
            c.low = Math.min(c.low, read.completeNanos());
            c.high = Math.max(c.high, read.invokeNanos());
        }
        return null;
    }

    /** No two forward zones overlap, and no backward zone lies inside another cluster's forward zone. */
    private static Violation zones(long page, List<Cluster> clusters) {
        List<Cluster> forward = new ArrayList<>();
        List<Cluster> backward = new ArrayList<>();
        for (Cluster c : clusters) {
            (c.forward() ? forward : backward).add(c);
        }
        forward.sort(Comparator.comparingLong(c -> c.low));
        for (int i = 1; i < forward.size(); i++) {
            Cluster before = forward.get(i - 1);
            Cluster after = forward.get(i);
            if (after.low < before.high) {
                return new Violation(page, "values " + before.value + " and " + after.value + " were each certainly"
                        + " in place over overlapping times: no order of their writes explains the reads",
                        concat(before, after));
            }
        }
        long[] lows = new long[forward.size()];
        for (int i = 0; i < lows.length; i++) {
            lows[i] = forward.get(i).low;
        }
        for (Cluster b : backward) {
            // The forward zone that starts last before this zone does is the only one that can hold it (they are
            // disjoint and sorted).
            int i = lastBelow(lows, b.high);
            if (i >= 0) {
                Cluster f = forward.get(i);
                if (f != b && b.low < f.high) {
                    return new Violation(page, "value " + b.value + " was written and read entirely while value "
                            + f.value + " was certainly in place (a lost write, or a stale read)", concat(f, b));
                }
            }
        }
        return null;
    }

    /** The index of the last element of sorted {@code lows} strictly below {@code bound}, or -1. */
    private static int lastBelow(long[] lows, long bound) {
        int lo = 0;
        int hi = lows.length - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (lows[mid] < bound) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    private static List<PageOperation> concat(Cluster a, Cluster b) {
        List<PageOperation> all = new ArrayList<>(a.operations());
        all.addAll(b.operations());
        return all;
    }
}

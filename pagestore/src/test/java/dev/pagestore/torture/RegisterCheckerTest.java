package dev.pagestore.torture;

import static dev.pagestore.torture.PageOperation.Outcome.FAILED;
import static dev.pagestore.torture.PageOperation.Outcome.OK;
import static dev.pagestore.torture.PageOperation.Outcome.UNKNOWN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The register checker against histories whose verdict is known, and against a brute-force search of every order of
 * small random histories (the definition of linearizability, tried exhaustively).
 */
class RegisterCheckerTest {
    private final RegisterChecker checker = new RegisterChecker();

    private static PageOperation w(long value, long invoke, long complete) {
        return PageOperation.write(1, 7, value, invoke, complete, OK);
    }

    private static PageOperation r(long value, long invoke, long complete) {
        return PageOperation.read(2, 7, value, invoke, complete);
    }

    private boolean linearizable(PageOperation... history) {
        return checker.check(List.of(history)).isEmpty();
    }

    @Test
    void shouldAcceptReadsOfTheLatestOrAConcurrentWrite() {
        assertTrue(linearizable(r(0, 0, 1), w(1, 2, 3), r(1, 4, 5), w(2, 6, 10), r(1, 7, 8), r(2, 9, 11)));
        assertTrue(linearizable(w(1, 0, 10), r(0, 1, 2), r(1, 3, 4)), "a write concurrent with both reads");
        assertTrue(linearizable(PageOperation.write(1, 7, 1, 0, 1, UNKNOWN), r(1, 50, 51)),
                "an unknown write took effect");
        assertTrue(linearizable(w(1, 0, 1), PageOperation.write(1, 7, 2, 2, 3, UNKNOWN), r(1, 50, 51)),
                "an unknown write did not take effect");
    }

    @Test
    void shouldRejectAStaleReadALostWriteAndAnInversion() {
        assertEquals(1, checker.check(List.of(w(1, 0, 1), w(2, 2, 3), r(1, 4, 5))).size(), "stale read");
        assertEquals(1, checker.check(List.of(w(1, 0, 1), r(0, 2, 3))).size(), "an acknowledged write lost");
        assertEquals(1, checker.check(List.of(w(1, 0, 1), w(2, 2, 10), r(2, 3, 4), r(1, 5, 6))).size(),
                "new, then old");
        assertEquals(1, checker.check(List.of(r(1, 0, 1), w(1, 2, 3))).size(), "read before its write");
        assertEquals(1, checker.check(List.of(r(9, 0, 1))).size(), "a value no write wrote");
        assertEquals(1, checker.check(List.of(PageOperation.write(1, 7, 1, 0, 1, FAILED), r(1, 2, 3))).size(),
                "a failed write read");
    }

    @Test
    void shouldCheckEachPageOnItsOwnAndRefuseAValueWrittenTwice() {
        List<PageOperation> history = List.of(w(1, 0, 1), r(1, 2, 3),
                PageOperation.write(1, 8, 1, 0, 1, OK), PageOperation.read(1, 8, 0, 2, 3));
        List<RegisterChecker.Violation> violations = checker.check(history);
        assertEquals(1, violations.size());
        assertEquals(8, violations.get(0).page());
        assertThrows(IllegalArgumentException.class, () -> checker.check(List.of(w(1, 0, 1), w(1, 2, 3))));
    }

    @Test
    void shouldAgreeWithAnExhaustiveSearchOnSmallRandomHistories() {
        SplittableRandom random = new SplittableRandom(20261204);
        int linearizable = 0;
        int histories = 20_000;
        for (int h = 0; h < histories; h++) {
            List<PageOperation> history = randomHistory(random);
            boolean expected = BruteForce.linearizable(history);
            boolean actual = checker.check(history).isEmpty();
            assertEquals(expected, actual, "history " + h + ": " + history);
            linearizable += expected ? 1 : 0;
        }
        // Both verdicts must be common, or the comparison proves little.
        assertTrue(linearizable > histories / 10 && linearizable < histories * 9 / 10,
                linearizable + " of " + histories + " linearizable");
    }

    /** Up to 7 operations on one page, over a short time line so that many overlap. */
    private static List<PageOperation> randomHistory(SplittableRandom random) {
        int n = 1 + random.nextInt(7);
        List<PageOperation> ops = new ArrayList<>();
        List<Long> written = new ArrayList<>();
        written.add(PageOperation.INITIAL);
        long nextValue = 1;
        for (int i = 0; i < n; i++) {
            long invoke = random.nextInt(20);
            long complete = invoke + random.nextInt(8);
            if (random.nextBoolean()) {
                int roll = random.nextInt(10);
                PageOperation.Outcome outcome = roll < 7 ? OK : roll < 9 ? UNKNOWN : FAILED;
                ops.add(PageOperation.write(1, 7, nextValue, invoke, complete, outcome));
                written.add(nextValue++);
            } else {
                ops.add(PageOperation.read(2, 7, written.get(random.nextInt(written.size())), invoke, complete));
            }
        }
        // A read may name a value written later in the list: fine, the times decide.
        return ops;
    }

    /** Tries every order of the operations that respects real time (the definition), for small histories. */
    private static final class BruteForce {
        static boolean linearizable(List<PageOperation> history) {
            List<PageOperation> ops = new ArrayList<>();
            for (PageOperation op : history) {
                if (!(op.write() && op.outcome() == FAILED) && !(!op.write() && op.outcome() != OK)) {
                    ops.add(op);
                }
            }
            return search(ops, new boolean[ops.size()], PageOperation.INITIAL);
        }

        private static boolean search(List<PageOperation> ops, boolean[] placed, long register) {
            boolean mandatoryLeft = false;
            for (int i = 0; i < ops.size(); i++) {
                if (placed[i]) {
                    continue;
                }
                PageOperation op = ops.get(i);
                mandatoryLeft |= !(op.write() && op.outcome() == UNKNOWN);
                if (!mayGoNext(ops, placed, i)) {
                    continue;
                }
                if (!op.write() && op.value() != register) {
                    continue;
                }
                placed[i] = true;
                boolean found = search(ops, placed, op.write() ? op.value() : register);
                placed[i] = false;
                if (found) {
                    return true;
                }
            }
            if (!mandatoryLeft) {
                return true;  // what is left are unknown writes, which may never have happened
            }
            // An unknown write may also be left out: drop one and go on.
            for (int i = 0; i < ops.size(); i++) {
                PageOperation op = ops.get(i);
                if (!placed[i] && op.write() && op.outcome() == UNKNOWN) {
                    placed[i] = true;
                    boolean found = search(ops, placed, register);
                    placed[i] = false;
                    if (found) {
                        return true;
                    }
                }
            }
            return false;
        }

        /** No unplaced operation (other than an unknown write, which never completed) completed before op began. */
        private static boolean mayGoNext(List<PageOperation> ops, boolean[] placed, int candidate) {
            PageOperation op = ops.get(candidate);
            for (int j = 0; j < ops.size(); j++) {
                if (j == candidate || placed[j]) {
                    continue;
                }
                PageOperation other = ops.get(j);
                boolean completes = !(other.write() && other.outcome() == UNKNOWN);
                if (completes && other.completeNanos() < op.invokeNanos()) {
                    return false;
                }
            }
            return true;
        }
    }
}

package dev.pagestore.manager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class DeadlinesTest {
    private static Op op(int id, long deadline) {
        Op op = new Op(id);
        op.deadlineNanos = deadline;
        return op;
    }

    @Test
    void shouldHandOutOnlyDueOpsEarliestFirst() {
        Deadlines deadlines = new Deadlines();
        Op late = op(0, 300);
        Op early = op(1, 100);
        Op middle = op(2, 200);
        deadlines.track(late);
        deadlines.track(early);
        deadlines.track(middle);
        assertNull(deadlines.pollDue(99));
        assertSame(early, deadlines.pollDue(250));
        assertSame(middle, deadlines.pollDue(250));
        assertNull(deadlines.pollDue(250));
        assertEquals(1, deadlines.size());
        assertEquals(-1, early.deadlineIndex);
    }

    @Test
    void shouldIgnoreOpsWithoutADeadlineAndMoveAnOpUpWhenItsDeadlineBecomesEarlier() {
        Deadlines deadlines = new Deadlines();
        Op none = op(0, 0);
        deadlines.track(none);
        assertEquals(0, deadlines.size());
        Op batch = op(1, 500);
        Op other = op(2, 300);
        deadlines.track(batch);
        deadlines.track(other);
        batch.deadlineNanos = 100;  // a member with a nearer deadline joined the batch
        deadlines.track(batch);
        assertEquals(2, deadlines.size());
        assertSame(batch, deadlines.pollDue(1_000));
        assertSame(other, deadlines.pollDue(1_000));
    }

    @Test
    void shouldMatchASortedModelUnderRandomTracksRemovesAndPolls() {
        Random random = new Random(7);
        Deadlines deadlines = new Deadlines();
        TreeMap<Long, Op> model = new TreeMap<>();  // deadlines are made unique: ties need no tie-break here
        List<Op> tracked = new ArrayList<>();
        long now = 0;
        for (int step = 0; step < 20_000; step++) {
            int action = random.nextInt(10);
            if (action < 5) {
                long deadline;
                do {
                    deadline = now + 1 + random.nextInt(10_000);
                } while (model.containsKey(deadline));
                Op op = op(step, deadline);
                deadlines.track(op);
                model.put(deadline, op);
                tracked.add(op);
            } else if (action < 7 && !tracked.isEmpty()) {
                Op op = tracked.remove(random.nextInt(tracked.size()));
                deadlines.remove(op);
                deadlines.remove(op);  // twice: the second does nothing
                model.remove(op.deadlineNanos);
            } else {
                now += random.nextInt(200);
                Op due;
                while ((due = deadlines.pollDue(now)) != null) {
                    Op expected = model.pollFirstEntry().getValue();
                    assertSame(expected, due, "step " + step);
                    tracked.remove(due);
                }
                assertTrue(model.isEmpty() || model.firstKey() > now, "a due op was left at step " + step);
            }
            assertEquals(model.size(), deadlines.size(), "step " + step);
        }
    }
}

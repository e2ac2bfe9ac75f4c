package dev.pagestore.ipc.jcstress;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.pagestore.ipc.ring.RingConsumer;
import dev.pagestore.ipc.ring.RingProducer;
import dev.pagestore.ipc.wait.WaitStrategy;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.JJ_Result;

/**
 * An entry is never overwritten while the consumer still reads it: in a one-entry ring holding entry A, the consumer
 * reads A and releases it; the producer reuses the slot for B only after it sees that release. The consumer's release
 * store must keep its reads before it, so it can never read B.
 *
 * <p>Run (short): {@code ./mvnw -q -pl ipc -am -Pjcstress -DskipTests verify -Djcstress.args="-t SlotReuse -m quick"}.
 */
@JCStressTest
@Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "consumer read entry A; producer found the ring still full")
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "consumer read entry A, released it, producer then reused the slot")
@Outcome(id = "2, 1", expect = FORBIDDEN, desc = "producer overwrote the slot before the consumer's read: entry reused "
        + "before its release")
@Outcome(expect = FORBIDDEN, desc = "consumer read neither A nor B: torn entry")
@State
public class SlotReuseOrderTest {
    private static final long ENTRY_A = 1;
    private static final long ENTRY_B = 2;
    private final RingProducer producer;
    private final RingConsumer consumer;

    public SlotReuseOrderTest() {
        StressRing ring = new StressRing(1, 64, WaitStrategy.busySpin());
        producer = ring.producer;
        consumer = ring.consumer;
        producer.tryClaim(1);
        producer.segment().set(JAVA_LONG, producer.entryOffset(0), ENTRY_A);
        producer.publish(1);
        producer.unbindThread();  // the actor thread takes over; jcstress publishes the state safely
    }

    @Actor
    public void consumerReadsAndReleases(JJ_Result r) {
        if (consumer.available(1) == 1) {
            r.r1 = consumer.segment().get(JAVA_LONG, consumer.entryOffset(0));
            consumer.release(1);
        }
    }

    @Actor
    public void producerReuses(JJ_Result r) {
        int claimed = producer.tryClaim(1);
        if (claimed == 1) {
            producer.segment().set(JAVA_LONG, producer.entryOffset(0), ENTRY_B);
            producer.publish(1);
        }
        r.r2 = claimed;
    }
}

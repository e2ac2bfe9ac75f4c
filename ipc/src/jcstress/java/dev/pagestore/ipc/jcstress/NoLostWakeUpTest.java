package dev.pagestore.ipc.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.pagestore.ipc.ring.RingConsumer;
import dev.pagestore.ipc.ring.RingProducer;
import dev.pagestore.ipc.wait.WaitStrategy;
import java.util.concurrent.TimeUnit;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * No lost wake-up: a consumer with the blocking strategy and no spin announces that it waits and sleeps in futex; the
 * producer publishes one entry concurrently and wakes it only if it saw the announcement. Whatever the interleaving,
 * the consumer must get the entry long before its 10 s deadline.
 *
 * <p>Run (short): {@code ./mvnw -q -pl ipc -am -Pjcstress -DskipTests verify -Djcstress.args="-t NoLostWakeUp -m quick"}.
 */
@JCStressTest
@Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "consumer got the entry; producer saw no waiter (it had not slept yet, "
        + "or saw the entry on its re-check)")
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "consumer announced it waits; producer saw the flag and woke it")
@Outcome(id = "0, .*", expect = FORBIDDEN, desc = "lost wake-up: consumer slept through the publish until its deadline")
@State
public class NoLostWakeUpTest {
    private final RingProducer producer;
    private final RingConsumer consumer;

    public NoLostWakeUpTest() {
        StressRing ring = new StressRing(2, 64, WaitStrategy.blocking(0));
        producer = ring.producer;
        consumer = ring.consumer;
    }

    @Actor
    public void consumerWaits(II_Result r) {
        r.r1 = consumer.awaitAvailable(1, System.nanoTime() + TimeUnit.SECONDS.toNanos(10));
    }

    @Actor
    public void producerPublishes(II_Result r) {
        producer.tryClaim(1);
        producer.publish(1);
        r.r2 = (int) producer.consumerWaitPoint().wakeCount();
    }
}

package dev.pagestore.ipc.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.pagestore.ipc.ring.CompletionDescriptor;
import dev.pagestore.ipc.ring.RingConsumer;
import dev.pagestore.ipc.ring.RingProducer;
import dev.pagestore.ipc.wait.WaitStrategy;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.JJJ_Result;

/**
 * A completion's payload is never visible before its sequence: the manager writes a completion (request id, status,
 * result) in place and publishes it with one release store; a worker that sees it must see all of it.
 *
 * <p>Run (short): {@code ./mvnw -q -pl ipc -am -Pjcstress -DskipTests verify -Djcstress.args="-t PublicationOrder -m quick"}.
 */
@JCStressTest
@Outcome(id = "0, 0, 0", expect = ACCEPTABLE, desc = "worker looked before the manager published: no completion yet")
@Outcome(id = "1, 42, 4097", expect = ACCEPTABLE, desc = "completion seen whole: request id, and status OK with result")
@Outcome(expect = FORBIDDEN, desc = "completion sequence visible before its payload: worker read a torn completion")
@State
public class CompletionPublicationOrderTest {
    private final RingProducer manager;
    private final RingConsumer worker;

    public CompletionPublicationOrderTest() {
        StressRing ring = new StressRing(4, CompletionDescriptor.SIZE_BYTES, WaitStrategy.busySpin());
        manager = ring.producer;
        worker = ring.consumer;
    }

    @Actor
    public void managerCompletes() {
        if (manager.tryClaim(1) == 1) {
            CompletionDescriptor.write(manager.segment(), manager.entryOffset(0), 42, CompletionDescriptor.STATUS_OK,
                    0, 4096);
            manager.publish(1);
        }
    }

    @Actor
    public void workerPolls(JJJ_Result r) {
        int ready = worker.available(1);
        r.r1 = ready;
        if (ready == 1) {
            long offset = worker.entryOffset(0);
            r.r2 = CompletionDescriptor.requestId(worker.segment(), offset);
            r.r3 = CompletionDescriptor.result(worker.segment(), offset)
                    + CompletionDescriptor.status(worker.segment(), offset);  // 4096 + STATUS_OK(1)
        }
    }
}

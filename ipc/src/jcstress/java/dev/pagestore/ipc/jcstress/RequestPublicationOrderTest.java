package dev.pagestore.ipc.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.pagestore.ipc.ring.RequestDescriptor;
import dev.pagestore.ipc.ring.RingConsumer;
import dev.pagestore.ipc.ring.RingProducer;
import dev.pagestore.ipc.wait.WaitStrategy;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.JJJ_Result;

/**
 * A request's payload is never visible before its sequence: the worker writes a 64-byte request in place and publishes
 * it; a manager that sees the new producer sequence must see every field of the request.
 *
 * <p>Run (short): {@code ./mvnw -q -pl ipc -am -Pjcstress -DskipTests verify -Djcstress.args="-t PublicationOrder -m quick"}
 * or, after that build, {@code cd ipc/target && java -cp jcstress-classes:<test classpath> org.openjdk.jcstress.Main
 * -t RequestPublicationOrder -time 200}.
 */
@JCStressTest
@Outcome(id = "0, 0, 0", expect = ACCEPTABLE, desc = "manager looked before the worker published: no request yet")
@Outcome(id = "1, 42, 7", expect = ACCEPTABLE, desc = "request published and seen whole: id and page number")
@Outcome(expect = FORBIDDEN, desc = "request sequence visible before its payload: manager read a torn or stale request")
@State
public class RequestPublicationOrderTest {
    private final RingProducer worker;
    private final RingConsumer manager;

    public RequestPublicationOrderTest() {
        StressRing ring = new StressRing(4, RequestDescriptor.SIZE_BYTES, WaitStrategy.busySpin());
        worker = ring.producer;
        manager = ring.consumer;
    }

    @Actor
    public void workerPublishes() {
        if (worker.tryClaim(1) == 1) {
            RequestDescriptor.write(worker.segment(), worker.entryOffset(0), RequestDescriptor.OPCODE_READ, (byte) 0,
                    42, 7, 1, 0, 0, 0, 0);
            worker.publish(1);
        }
    }

    @Actor
    public void managerPolls(JJJ_Result r) {
        int ready = manager.available(1);
        r.r1 = ready;
        if (ready == 1) {
            long offset = manager.entryOffset(0);
            r.r2 = RequestDescriptor.requestId(manager.segment(), offset);
            r.r3 = RequestDescriptor.pageNumber(manager.segment(), offset);
        }
    }
}

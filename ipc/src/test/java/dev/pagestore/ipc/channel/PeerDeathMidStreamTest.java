package dev.pagestore.ipc.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.pagestore.ipc.control.AttachDecision;
import dev.pagestore.ipc.control.AttachGrant;
import dev.pagestore.ipc.control.AttachHandler;
import dev.pagestore.ipc.control.AttachRequest;
import dev.pagestore.ipc.control.ControlClient;
import dev.pagestore.ipc.control.ControlServer;
import dev.pagestore.ipc.control.ControlServerOptions;
import dev.pagestore.ipc.control.ControlSession;
import dev.pagestore.ipc.control.DetachReason;
import dev.pagestore.ipc.control.ObserveDecision;
import dev.pagestore.ipc.control.ObserveRequest;
import dev.pagestore.ipc.linux.ProcessIdentity;
import dev.pagestore.ipc.control.Refusal;
import dev.pagestore.ipc.control.RefusalCode;
import dev.pagestore.ipc.linux.LibcFiles;
import dev.pagestore.ipc.linux.MemfdRegion;
import dev.pagestore.ipc.memory.OrderedAccess;
import dev.pagestore.ipc.ring.RequestDescriptor;
import dev.pagestore.ipc.ring.RingConsumer;
import dev.pagestore.ipc.ring.RingDescriptor;
import dev.pagestore.ipc.ring.RingProducer;
import dev.pagestore.ipc.testing.ChildJvm;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} of one end of a channel in the middle of a stream: the survivor learns of the death from the
 * control socket, and every entry published before the death is intact in the ring. Real processes: the control
 * socket's EOF and the shared mapping outliving its writer are what is under test.
 *
 * <p>The issue asks for the event within 50 ms; the assertion allows 500 ms so that a loaded 2-core CI machine does
 * not fail it, and the measured figure is printed (bench/HISTORY.md has the quiet-machine figures).
 */
class PeerDeathMidStreamTest {
    static final int RING_CAPACITY = 1024;
    private static final long EVENT_BOUND_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

    @TempDir
    Path directory;

    @Test
    void shouldReportAKilledProducerAndKeepEveryEntryItPublished() throws Exception {
        MemfdRegion status = MemfdRegion.create("test-status", 4096, MemfdRegion.READ_ONLY_SEALS);
        AtomicReference<Channel> channel = new AtomicReference<>();
        CompletableFuture<Long> diedAtNanos = new CompletableFuture<>();
        AttachHandler handler = new AttachHandler() {
            @Override
            public AttachDecision onAttach(ControlSession session, AttachRequest request) throws Exception {
                channel.set(Channel.createSealed("test-midstream", new ChannelParameters(4096, RING_CAPACITY,
                        RING_CAPACITY, 16)));
                return new AttachGrant(4096, RING_CAPACITY, channel.get().descriptor(), status.descriptor());
            }

            @Override
            public ObserveDecision onObserve(ProcessIdentity observer, ObserveRequest request) {
                return new Refusal(RefusalCode.INTERNAL_ERROR, "not in this test");
            }

            @Override
            public void onDetach(ControlSession session, DetachReason reason, String detail) {
                if (reason == DetachReason.PEER_DIED) {
                    diedAtNanos.complete(System.nanoTime());
                }
            }
        };
        try (status; ControlServer server = ControlServer.start(ControlServerOptions.at(directory.resolve("m.sock")),
                handler); ChildJvm worker = ChildJvm.start(MidStreamWorkerMain.class, server.socketPath().toString())) {
            assertEquals("streaming", worker.awaitLine(Duration.ofSeconds(30)));
            Channel manager = channel.get();
            try {
                RingConsumer requests = manager.requestConsumer();
                long consumed = drain(requests, 0, 200_000);
                long killedAtNanos = System.nanoTime();
                worker.kill9();
                long eventNanos = diedAtNanos.get(10, TimeUnit.SECONDS) - killedAtNanos;
                System.out.printf("producer kill -9 -> manager onDetach(PEER_DIED) after %.2f ms%n", eventNanos / 1e6);
                assertTrue(eventNanos < EVENT_BOUND_NANOS, "peer-death event after " + eventNanos / 1e6 + " ms");

                long published = OrderedAccess.getLongAcquire(requests.segment(),
                        RingDescriptor.PRODUCER_SEQUENCE_OFFSET);
                consumed = drain(requests, consumed, Long.MAX_VALUE);
                assertEquals(published, consumed, "every entry published before the kill was consumed, intact");
            } finally {
                manager.close();
            }
        }
    }

    @Test
    void shouldReportAKilledConsumerAndLeaveEveryUnconsumedEntryIntact() throws Exception {
        Path socket = directory.resolve("m.sock");
        try (ChildJvm manager = ChildJvm.start(MidStreamManagerMain.class, socket.toString())) {
            assertEquals("listening", manager.awaitLine(Duration.ofSeconds(30)));
            CompletableFuture<Long> goneAtNanos = new CompletableFuture<>();
            ControlClient client = ControlClient.attach(socket,
                    AttachRequest.fromCurrentProcess(4096, RING_CAPACITY, "mid-stream-consumer"),
                    event -> goneAtNanos.complete(System.nanoTime()), Duration.ofSeconds(30));
            LibcFiles.close(client.takeStatusDescriptor());
            try (Channel channel = Channel.attach(client.takeChannelDescriptor(), "channel", null)) {
                assertEquals("consuming", manager.awaitLine(Duration.ofSeconds(30)));
                RingProducer requests = channel.requestProducer();
                long published = 0;
                while (published < 200_000) {
                    int claimed = requests.claim(64, System.nanoTime() + TimeUnit.SECONDS.toNanos(30));
                    assertTrue(claimed > 0, "the consumer stalled at entry " + published);
                    for (int i = 0; i < claimed; i++) {
                        StreamEntries.write(requests.segment(), requests.entryOffset(i), published + i);
                    }
                    requests.publish(claimed);
                    published += claimed;
                }
                long killedAtNanos = System.nanoTime();
                manager.kill9();
                long eventNanos = goneAtNanos.get(10, TimeUnit.SECONDS) - killedAtNanos;
                System.out.printf("consumer kill -9 -> worker ManagerGoneListener after %.2f ms%n", eventNanos / 1e6);
                assertTrue(eventNanos < EVENT_BOUND_NANOS, "manager-gone event after " + eventNanos / 1e6 + " ms");

                // Whatever the dead consumer had not released is still in the ring, whole.
                long released = OrderedAccess.getLongAcquire(requests.segment(),
                        RingDescriptor.CONSUMER_SEQUENCE_OFFSET);
                assertTrue(released <= published && published - released <= RING_CAPACITY,
                        "consumer sequence " + released + " against " + published + " published");
                for (long s = released; s < published; s++) {
                    long offset = RingDescriptor.entryOffset(s, RING_CAPACITY, RequestDescriptor.SIZE_BYTES);
                    assertNull(StreamEntries.check(requests.segment(), offset, s));
                }
            } finally {
                client.close();
            }
        }
    }

    /**
     * Drains and checks entries from sequence {@code from} until {@code until}; with {@code until == Long.MAX_VALUE}
     * (the producer is dead) until the ring is empty, without waiting.
     */
    private static long drain(RingConsumer requests, long from, long until) {
        boolean producerDead = until == Long.MAX_VALUE;
        long expected = from;
        while (expected < until) {
            // A live producer gets seconds: its first futex sleep and wake link native code in a fresh JVM.
            int ready = producerDead ? requests.available(256)
                    : requests.awaitAvailable(256, System.nanoTime() + TimeUnit.SECONDS.toNanos(10));
            if (ready == 0) {
                if (producerDead) {
                    return expected;
                }
                fail("the producer stopped at entry " + expected);
            }
            for (int i = 0; i < ready; i++) {
                String problem = StreamEntries.check(requests.segment(), requests.entryOffset(i), expected++);
                if (problem != null) {
                    fail(problem);
                }
            }
            requests.release(ready);
        }
        return expected;
    }
}

package dev.pagestore.ipc.channel;

import dev.pagestore.ipc.control.AttachDecision;
import dev.pagestore.ipc.control.AttachGrant;
import dev.pagestore.ipc.control.AttachHandler;
import dev.pagestore.ipc.control.AttachRequest;
import dev.pagestore.ipc.control.ControlServer;
import dev.pagestore.ipc.control.ControlServerOptions;
import dev.pagestore.ipc.control.ControlSession;
import dev.pagestore.ipc.control.DetachReason;
import dev.pagestore.ipc.control.ObserveDecision;
import dev.pagestore.ipc.control.ObserveGrant;
import dev.pagestore.ipc.control.ObserveRequest;
import dev.pagestore.ipc.linux.ProcessIdentity;
import dev.pagestore.ipc.linux.MemfdRegion;
import dev.pagestore.ipc.ring.RingConsumer;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Child JVM for {@link PeerDeathMidStreamTest}: a manager that listens at {@code args[0]}, creates a channel for the
 * one worker that attaches, prints {@code consuming} and drains its request ring, checking every entry, until it is
 * killed. Prints {@code BROKEN ...} and exits 1 if an entry is wrong.
 */
public final class MidStreamManagerMain {
    private MidStreamManagerMain() {
    }

    public static void main(String[] args) throws Exception {
        CompletableFuture<Channel> created = new CompletableFuture<>();
        MemfdRegion status = MemfdRegion.create("test-status", 4096, MemfdRegion.READ_ONLY_SEALS);
        AttachHandler handler = new AttachHandler() {
            @Override
            public AttachDecision onAttach(ControlSession session, AttachRequest request) throws Exception {
                Channel channel = Channel.createSealed("test-midstream", new ChannelParameters(4096,
                        PeerDeathMidStreamTest.RING_CAPACITY, PeerDeathMidStreamTest.RING_CAPACITY, 16));
                created.complete(channel);
                return new AttachGrant(4096, PeerDeathMidStreamTest.RING_CAPACITY, channel.descriptor(),
                        status.descriptor());
            }

            @Override
            public ObserveDecision onObserve(ProcessIdentity observer, ObserveRequest request) {
                return new ObserveGrant(status.descriptor());
            }

            @Override
            public void onDetach(ControlSession session, DetachReason reason, String detail) {
                System.out.println("DETACH " + reason);
            }
        };
        try (ControlServer server = ControlServer.start(ControlServerOptions.at(Path.of(args[0])), handler)) {
            System.out.println("listening");
            Channel channel = created.get(30, TimeUnit.SECONDS);
            RingConsumer consumer = channel.requestConsumer();
            System.out.println("consuming");
            for (long expected = 0; ; ) {
                int ready = consumer.awaitAvailable(256, System.nanoTime() + TimeUnit.SECONDS.toNanos(1));
                for (int i = 0; i < ready; i++) {
                    String problem = StreamEntries.check(consumer.segment(), consumer.entryOffset(i), expected++);
                    if (problem != null) {
                        System.out.println("BROKEN " + problem);
                        System.exit(1);
                    }
                }
                consumer.release(ready);
            }
        }
    }
}

package dev.pagestore.ipc.channel;

import dev.pagestore.ipc.control.AttachRequest;
import dev.pagestore.ipc.control.ControlClient;
import dev.pagestore.ipc.linux.LibcFiles;
import dev.pagestore.ipc.ring.RingProducer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Child JVM for {@link PeerDeathMidStreamTest}: attaches to the manager at {@code args[0]} over the control socket,
 * attaches the granted channel, prints {@code streaming} and publishes {@link StreamEntries} until it is killed.
 */
public final class MidStreamWorkerMain {
    private MidStreamWorkerMain() {
    }

    public static void main(String[] args) throws Exception {
        ControlClient client = ControlClient.attach(Path.of(args[0]),
                AttachRequest.fromCurrentProcess(4096, PeerDeathMidStreamTest.RING_CAPACITY, "mid-stream-producer"),
                event -> System.out.println("GONE " + event.cause()), Duration.ofSeconds(30));
        LibcFiles.close(client.takeStatusDescriptor());
        try (Channel channel = Channel.attach(client.takeChannelDescriptor(), "channel", null)) {
            RingProducer producer = channel.requestProducer();
            System.out.println("streaming");
            for (long seq = 0; ; ) {
                int claimed = producer.claim(64, System.nanoTime() + TimeUnit.SECONDS.toNanos(30));
                for (int i = 0; i < claimed; i++) {
                    StreamEntries.write(producer.segment(), producer.entryOffset(i), seq + i);
                }
                producer.publish(claimed);
                seq += claimed;
            }
        }
    }
}

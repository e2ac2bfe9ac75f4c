package dev.pagestore.ipc.channel;

import dev.pagestore.ipc.ring.RingProducer;
import java.util.concurrent.TimeUnit;

/**
 * Child JVM for {@link CrossProcessChannelTest}: attaches to channel {@code args[0]} as the worker and publishes
 * {@code args[1]} entries of {@link StreamEntries} in batches of pseudo-random size 1..64 (seed {@code args[2]}).
 * Prints {@code attached}, then {@code produced N}; exits 0, or 1 with the cause on stderr.
 */
public final class RequestStreamWorker {
    private RequestStreamWorker() {
    }

    public static void main(String[] args) throws Exception {
        String name = args[0];
        long count = Long.parseLong(args[1]);
        long seed = Long.parseLong(args[2]);
        try (Channel channel = Channel.attach(name, null)) {
            System.out.println("attached");
            RingProducer producer = channel.requestProducer();
            long seq = 0;
            long random = seed;
            while (seq < count) {
                random = StreamEntries.mix(random + 1);
                int want = (int) Math.min(1 + (random & 63), count - seq);
                int claimed = producer.claim(want, System.nanoTime() + TimeUnit.SECONDS.toNanos(20));
                if (claimed == 0) {
                    System.err.println("stalled: ring full for 20 s at entry " + seq + "; " + producer);
                    System.exit(1);
                }
                for (int i = 0; i < claimed; i++) {
                    StreamEntries.write(producer.segment(), producer.entryOffset(i), seq + i);
                }
                producer.publish(claimed);
                seq += claimed;
            }
            System.out.println("produced " + seq + " sleeps=" + producer.spaceWaitPoint().sleepCount() + " wakes="
                    + producer.consumerWaitPoint().wakeCount());
        }
    }
}

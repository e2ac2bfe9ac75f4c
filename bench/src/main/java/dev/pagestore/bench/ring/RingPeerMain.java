package dev.pagestore.bench.ring;

import dev.pagestore.ipc.channel.Channel;
import dev.pagestore.ipc.channel.ChannelParameters;
import dev.pagestore.ipc.linux.SharedMemoryRegion;
import dev.pagestore.ipc.ring.CompletionDescriptor;
import dev.pagestore.ipc.ring.RequestDescriptor;
import dev.pagestore.ipc.ring.RingConsumer;
import dev.pagestore.ipc.ring.RingProducer;
import dev.pagestore.ipc.wait.WaitStrategy;
import java.lang.foreign.MemorySegment;

/**
 * The other process of the pagestore ring benchmarks.
 *
 * <ul>
 *   <li>{@code drain REGION CAPACITY}: consumes 64-byte request descriptors from a bare ring in {@code /dev/shm/REGION}
 *       in batches of up to 256, checking that request ids arrive in sequence (none lost, duplicated or reordered),
 *       until the request id {@code -1}; busy-spins like the Agrona peer.</li>
 *   <li>{@code echo CHANNEL STRATEGY}: creates a channel in the manager role, prints its name, and answers every
 *       request with a completion, waiting with {@code STRATEGY} (busySpin, spinThenYield, blocking), until the
 *       request id {@code -1}.</li>
 * </ul>
 */
public final class RingPeerMain {
    static final long STOP_REQUEST_ID = -1;

    private RingPeerMain() {
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "drain" -> drain(args[1], Integer.parseInt(args[2]));
            case "echo" -> echo(args[1], strategy(args[2]));
            default -> throw new IllegalArgumentException("unknown mode " + args[0]);
        }
    }

    static WaitStrategy strategy(String name) {
        return switch (name) {
            case "busySpin" -> WaitStrategy.busySpin();
            case "spinThenYield" -> WaitStrategy.spinThenYield(1000);
            case "blocking" -> WaitStrategy.blocking();
            default -> throw new IllegalArgumentException("unknown wait strategy " + name);
        };
    }

    private static void drain(String regionName, int capacity) throws Exception {
        try (SharedMemoryRegion region = SharedMemoryRegion.attach(regionName)) {
            RingConsumer consumer = RingConsumer.open(region.segment(), "bench requests", capacity,
                    RequestDescriptor.SIZE_BYTES, WaitStrategy.busySpin());
            MemorySegment ring = region.segment();
            System.out.println("ready");
            System.out.flush();
            long expected = 0;
            while (true) {
                int ready = consumer.awaitAvailable(256, Long.MAX_VALUE);
                for (int i = 0; i < ready; i++) {
                    long id = RequestDescriptor.requestId(ring, consumer.entryOffset(i));
                    if (id == STOP_REQUEST_ID) {
                        consumer.release(i + 1);
                        return;
                    }
                    if (id != expected) {
                        System.err.println("sequence broken: expected request " + expected + ", got " + id);
                        System.exit(3);
                    }
                    expected++;
                }
                consumer.release(ready);
            }
        }
    }

    private static void echo(String channelName, WaitStrategy strategy) throws Exception {
        try (Channel channel = Channel.create(SharedMemoryRegion.SHM_ROOT, channelName,
                new ChannelParameters(4096, 64, 64, 64), strategy)) {
            System.out.println("ready");
            System.out.flush();
            RingConsumer requests = channel.requestConsumer();
            RingProducer completions = channel.completionProducer();
            MemorySegment requestRing = requests.segment();
            MemorySegment completionRing = completions.segment();
            while (true) {
                int ready = requests.awaitAvailable(64, Long.MAX_VALUE);
                int claimed = completions.claim(ready, Long.MAX_VALUE);
                for (int i = 0; i < claimed; i++) {
                    long request = requests.entryOffset(i);
                    long id = RequestDescriptor.requestId(requestRing, request);
                    if (id == STOP_REQUEST_ID) {
                        channel.unlink();
                        return;
                    }
                    CompletionDescriptor.write(completionRing, completions.entryOffset(i), id,
                            CompletionDescriptor.STATUS_OK, RequestDescriptor.bufferSlot(requestRing, request), 0);
                }
                completions.publish(claimed);
                requests.release(claimed);
            }
        }
    }
}

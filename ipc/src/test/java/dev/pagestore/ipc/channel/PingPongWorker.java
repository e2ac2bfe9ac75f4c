package dev.pagestore.ipc.channel;

import dev.pagestore.ipc.ring.CompletionDescriptor;
import dev.pagestore.ipc.ring.RequestDescriptor;
import dev.pagestore.ipc.ring.RingConsumer;
import dev.pagestore.ipc.ring.RingProducer;
import dev.pagestore.ipc.wait.WaitPoint;
import dev.pagestore.ipc.wait.WaitStrategy;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Child JVM for {@link CrossProcessChannelTest}'s blocking stress: attaches to channel {@code args[0]} with
 * {@code WaitStrategy.blocking(args[2])}, and for round 0..{@code args[1]}-1 sends request r, then waits for its
 * completion (result {@code 3r}). Every wait has its own deadline of {@code args[3]} ms: a stall prints the round and
 * exits 2. Before each publish it waits until the manager has raised its waiting flag, so every hand-off goes through
 * the announce-then-sleep path and the publish lands in the race window the handshake must close. Prints
 * {@code done sleeps=S wakes=W}.
 */
public final class PingPongWorker {
    private PingPongWorker() {
    }

    public static void main(String[] args) throws Exception {
        String name = args[0];
        int rounds = Integer.parseInt(args[1]);
        int spins = Integer.parseInt(args[2]);
        long stallNanos = TimeUnit.MILLISECONDS.toNanos(Long.parseLong(args[3]));
        try (Channel channel = Channel.attach(Path.of("/dev/shm"), name, null, WaitStrategy.blocking(spins))) {
            System.out.println("attached");
            RingProducer requests = channel.requestProducer();
            RingConsumer completions = channel.completionConsumer();
            for (int round = 0; round < rounds; round++) {
                if (requests.claim(1, System.nanoTime() + stallNanos) != 1) {
                    stall("request ring full", round);
                }
                RequestDescriptor.write(requests.segment(), requests.entryOffset(0), RequestDescriptor.OPCODE_READ,
                        (byte) 0, round, round, 1, 0, 0, 0, 0);
                if (!awaitFlag(requests.consumerWaitPoint(), System.nanoTime() + stallNanos)) {
                    stall("manager never announced waiting for a request", round);
                }
                requests.publish(1);
                if (completions.awaitAvailable(1, System.nanoTime() + stallNanos) != 1) {
                    stall("no completion", round);
                }
                long offset = completions.entryOffset(0);
                long id = CompletionDescriptor.requestId(completions.segment(), offset);
                long result = CompletionDescriptor.result(completions.segment(), offset);
                if (id != round || result != 3L * round) {
                    System.err.println("round " + round + ": completion for request " + id + " result " + result);
                    System.exit(3);
                }
                completions.release(1);
            }
            System.out.println("done sleeps=" + (requests.spaceWaitPoint().sleepCount()
                    + completions.entriesWaitPoint().sleepCount()) + " wakes="
                    + (requests.consumerWaitPoint().wakeCount() + completions.producerWaitPoint().wakeCount()));
        }
    }

    /**
     * Polls until the peer's waiting flag is up; false at the deadline. Yields rather than spins: on a loaded 2-core
     * machine a spinner would hold the core the peer needs to reach its wait.
     */
    static boolean awaitFlag(WaitPoint peer, long deadlineNanos) {
        while (!peer.waitingFlagRaised()) {
            if (deadlineNanos - System.nanoTime() <= 0) {
                return false;
            }
            Thread.yield();
        }
        return true;
    }

    private static void stall(String what, int round) {
        System.err.println("stalled: " + what + " in round " + round);
        System.exit(2);
    }
}

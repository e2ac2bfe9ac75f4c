package dev.pagestore.bench.ring;

import dev.pagestore.ipc.linux.SharedMemoryRegion;
import dev.pagestore.ipc.ring.RequestDescriptor;
import dev.pagestore.ipc.ring.RingDescriptor;
import dev.pagestore.ipc.ring.RingProducer;
import dev.pagestore.ipc.wait.WaitStrategy;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One-way hand-off of 64-byte descriptors, batch 1 / 16 / 64, read off the {@code descriptors} counter (descriptors per
 * second). Cross process: the pagestore ring and Agrona's {@code OneToOneRingBuffer}, each in a {@code /dev/shm}
 * mapping with a consumer in a child JVM that checks the sequence. In process, for the ceiling: the LMAX Disruptor
 * (1P1C, busy spin) and {@link java.util.concurrent.ArrayBlockingQueue}.
 *
 * <p>Run: {@code java --enable-native-access=ALL-UNNAMED -jar bench/target/benchmarks.jar RingThroughputBench}.
 * Every side busy-spins (both CPUs of a 2-core machine are busy during a run).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
        "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED"})
@State(Scope.Thread)
public class RingThroughputBench {
    static final int CAPACITY = 4096;

    @Param({"1", "16", "64"})
    public int batch;

    /** Descriptors moved, reported by JMH as a rate next to the batch rate. */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Moved {
        public long descriptors;

        @Setup(Level.Iteration)
        public void reset() {
            descriptors = 0;
        }
    }

    /** The pagestore ring: producer here, consumer in a child JVM. */
    @State(Scope.Benchmark)
    public static class PagestoreRing {
        SharedMemoryRegion region;
        RingProducer producer;
        MemorySegment ring;
        ChildProcess consumer;
        long nextId;

        @Setup(Level.Trial)
        public void start() throws Exception {
            String name = "pagestore-bench-ring-" + ProcessHandle.current().pid();
            region = SharedMemoryRegion.create(name, RingDescriptor.requiredBytes(CAPACITY,
                    RequestDescriptor.SIZE_BYTES));
            RingDescriptor.format(region.segment(), CAPACITY, RequestDescriptor.SIZE_BYTES);
            ring = region.segment();
            consumer = ChildProcess.start(RingPeerMain.class, "drain", name, String.valueOf(CAPACITY));
            producer = RingProducer.open(ring, "bench requests", CAPACITY, RequestDescriptor.SIZE_BYTES,
                    WaitStrategy.busySpin());
        }

        void publish(int count) {
            int remaining = count;
            while (remaining > 0) {
                int claimed = producer.claim(remaining, Long.MAX_VALUE);
                for (int i = 0; i < claimed; i++) {
                    RequestDescriptor.write(ring, producer.entryOffset(i), RequestDescriptor.OPCODE_READ, (byte) 0,
                            nextId++, nextId, 1, 0, 0, 0, 0);
                }
                producer.publish(claimed);
                remaining -= claimed;
            }
        }

        @TearDown(Level.Trial)
        public void stop() throws Exception {
            int claimed = producer.claim(1, Long.MAX_VALUE);
            assert claimed == 1;
            RequestDescriptor.write(ring, producer.entryOffset(0), RequestDescriptor.OPCODE_READ, (byte) 0,
                    RingPeerMain.STOP_REQUEST_ID, 0, 1, 0, 0, 0, 0);
            producer.publish(1);
            consumer.close();
            region.unlink();
            region.close();
        }
    }

    /** Agrona's OneToOneRingBuffer over a mapped /dev/shm file: producer here, consumer in a child JVM. */
    @State(Scope.Benchmark)
    public static class AgronaRing {
        Path file;
        AgronaShmRings rings;
        ChildProcess consumer;
        final UnsafeBuffer message = new UnsafeBuffer(new byte[AgronaShmRings.MESSAGE_BYTES]);

        @Setup(Level.Trial)
        public void start() throws Exception {
            file = SharedMemoryRegion.SHM_ROOT.resolve("pagestore-bench-agrona-" + ProcessHandle.current().pid());
            int ringBytes = CAPACITY * 128;  // room for CAPACITY messages of 64 bytes plus Agrona's 8-byte header
            rings = AgronaShmRings.map(file, ringBytes);
            consumer = ChildProcess.start(AgronaPeerMain.class, "drain", file.toString(), String.valueOf(ringBytes));
        }

        void publish(int count, long value) {
            for (int i = 0; i < count; i++) {
                message.putLong(0, value + i);
                while (!rings.requests.write(AgronaShmRings.MESSAGE_TYPE, message, 0, AgronaShmRings.MESSAGE_BYTES)) {
                    Thread.onSpinWait();
                }
            }
        }

        @TearDown(Level.Trial)
        public void stop() throws Exception {
            while (!rings.requests.write(AgronaShmRings.STOP_TYPE, message, 0, AgronaShmRings.MESSAGE_BYTES)) {
                Thread.onSpinWait();
            }
            consumer.close();
            rings.close();
            Files.deleteIfExists(file);
        }
    }

    /** LMAX Disruptor, in process. */
    @State(Scope.Benchmark)
    public static class Disruptor {
        DisruptorPeer peer;

        @Setup(Level.Trial)
        public void start() {
            peer = new DisruptorPeer(CAPACITY);
        }

        @TearDown(Level.Trial)
        public void stop() throws InterruptedException {
            peer.close();
        }
    }

    /** ArrayBlockingQueue, in process. */
    @State(Scope.Benchmark)
    public static class BlockingQueue {
        BlockingQueuePeer peer;

        @Setup(Level.Trial)
        public void start() {
            peer = new BlockingQueuePeer(CAPACITY);
        }

        @TearDown(Level.Trial)
        public void stop() throws InterruptedException {
            peer.close();
        }
    }

    @Benchmark
    public void pagestoreCrossProcess(PagestoreRing ring, Moved moved) {
        ring.publish(batch);
        moved.descriptors += batch;
    }

    @Benchmark
    public void agronaCrossProcess(AgronaRing ring, Moved moved) {
        ring.publish(batch, moved.descriptors);
        moved.descriptors += batch;
    }

    @Benchmark
    public void disruptorInProcess(Disruptor disruptor, Moved moved) {
        disruptor.peer.publish(batch, moved.descriptors);
        moved.descriptors += batch;
    }

    @Benchmark
    public void arrayBlockingQueueInProcess(BlockingQueue queue, Moved moved) throws InterruptedException {
        queue.peer.publish(batch, moved.descriptors);
        moved.descriptors += batch;
    }
}

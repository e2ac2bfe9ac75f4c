package dev.pagestore.bench.ring;

import dev.pagestore.ipc.channel.Channel;
import dev.pagestore.ipc.linux.SharedMemoryRegion;
import dev.pagestore.ipc.ring.CompletionDescriptor;
import dev.pagestore.ipc.ring.RequestDescriptor;
import dev.pagestore.ipc.ring.RingConsumer;
import dev.pagestore.ipc.ring.RingProducer;
import java.lang.foreign.MemorySegment;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.UnsafeBuffer;
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
import org.openjdk.jmh.infra.IterationParams;

/**
 * Ping-pong between two processes: a worker (here) posts one 64-byte request and waits for its answer from a peer
 * process. The pagestore channel (request ring out, completion ring back) for each wait strategy, against a Unix
 * domain socket and Agrona's {@code OneToOneRingBuffer} pair. JMH reports the mean; the {@code HDR} line printed at
 * the end of each trial has the percentiles of the measurement iterations from HdrHistogram.
 *
 * <p>Run: {@code java --enable-native-access=ALL-UNNAMED -jar bench/target/benchmarks.jar RingRoundTripBench}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
        "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED"})
public class RingRoundTripBench {

    /** The pagestore channel with a peer manager process echoing requests as completions. */
    @State(Scope.Thread)
    public static class PagestoreChannel {
        @Param({"busySpin", "spinThenYield", "blocking"})
        public String waitStrategy;

        Channel channel;
        RingProducer requests;
        RingConsumer completions;
        MemorySegment requestRing;
        MemorySegment completionRing;
        ChildProcess manager;
        long nextId;
        final LatencyRecorder latency = new LatencyRecorder();

        @Setup(Level.Trial)
        public void start() throws Exception {
            String name = "pagestore-bench-rtt-" + ProcessHandle.current().pid() + "-" + waitStrategy;
            manager = ChildProcess.start(RingPeerMain.class, "echo", name, waitStrategy);
            channel = Channel.attach(SharedMemoryRegion.SHM_ROOT, name, null, RingPeerMain.strategy(waitStrategy));
            requests = channel.requestProducer();
            completions = channel.completionConsumer();
            requestRing = requests.segment();
            completionRing = completions.segment();
        }

        @Setup(Level.Iteration)
        public void iteration(IterationParams params) {
            latency.onIteration(params);
        }

        long roundTrip(long id) {
            requests.claim(1, Long.MAX_VALUE);
            RequestDescriptor.write(requestRing, requests.entryOffset(0), RequestDescriptor.OPCODE_READ, (byte) 0,
                    id, id, 1, 0, 0, 0, 0);
            requests.publish(1);
            completions.awaitAvailable(1, Long.MAX_VALUE);
            long answered = CompletionDescriptor.requestId(completionRing, completions.entryOffset(0));
            completions.release(1);
            return answered;
        }

        @TearDown(Level.Trial)
        public void stop() throws Exception {
            latency.print(System.out, "pagestore channel, " + waitStrategy);
            requests.claim(1, Long.MAX_VALUE);
            RequestDescriptor.write(requestRing, requests.entryOffset(0), RequestDescriptor.OPCODE_READ, (byte) 0,
                    RingPeerMain.STOP_REQUEST_ID, 0, 1, 0, 0, 0, 0);
            requests.publish(1);
            manager.close();
            channel.close();
        }
    }

    /** A Unix domain socket, blocking reads and writes of 64 bytes both ways. */
    @State(Scope.Thread)
    public static class UnixSocket {
        Path path;
        ServerSocketChannel server;
        SocketChannel socket;
        ChildProcess echo;
        final ByteBuffer message = ByteBuffer.allocateDirect(AgronaShmRings.MESSAGE_BYTES);
        final LatencyRecorder latency = new LatencyRecorder();

        @Setup(Level.Trial)
        public void start() throws Exception {
            path = Files.createTempDirectory("pagestore-bench-uds").resolve("echo.sock");
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX).bind(UnixDomainSocketAddress.of(path));
            echo = ChildProcess.start(UnixSocketEchoMain.class, path.toString());
            socket = server.accept();
        }

        @Setup(Level.Iteration)
        public void iteration(IterationParams params) {
            latency.onIteration(params);
        }

        long roundTrip(long id) throws Exception {
            message.clear();
            message.putLong(0, id);
            while (message.hasRemaining()) {
                socket.write(message);
            }
            message.clear();
            while (message.hasRemaining()) {
                socket.read(message);
            }
            return message.getLong(0);
        }

        @TearDown(Level.Trial)
        public void stop() throws Exception {
            latency.print(System.out, "unix domain socket");
            socket.close();
            server.close();
            echo.close();
            Files.deleteIfExists(path);
            Files.deleteIfExists(path.getParent());
        }
    }

    /** Agrona: a request ring and a reply ring in one mapped /dev/shm file, busy-spin both sides. */
    @State(Scope.Thread)
    public static class AgronaRings {
        Path file;
        AgronaShmRings rings;
        ChildProcess echo;
        final UnsafeBuffer message = new UnsafeBuffer(new byte[AgronaShmRings.MESSAGE_BYTES]);
        final long[] answered = new long[1];
        final LatencyRecorder latency = new LatencyRecorder();

        @Setup(Level.Trial)
        public void start() throws Exception {
            file = SharedMemoryRegion.SHM_ROOT.resolve("pagestore-bench-agrona-rtt-" + ProcessHandle.current().pid());
            rings = AgronaShmRings.map(file, 64 * 1024);
            echo = ChildProcess.start(AgronaPeerMain.class, "echo", file.toString(), String.valueOf(64 * 1024));
        }

        @Setup(Level.Iteration)
        public void iteration(IterationParams params) {
            latency.onIteration(params);
        }

        long roundTrip(long id) {
            message.putLong(0, id);
            while (!rings.requests.write(AgronaShmRings.MESSAGE_TYPE, message, 0, AgronaShmRings.MESSAGE_BYTES)) {
                Thread.onSpinWait();
            }
            while (rings.replies.read((type, buffer, index, length) -> answered[0] = buffer.getLong(index), 1) == 0) {
                Thread.onSpinWait();
            }
            return answered[0];
        }

        @TearDown(Level.Trial)
        public void stop() throws Exception {
            latency.print(System.out, "agrona rings");
            while (!rings.requests.write(AgronaShmRings.STOP_TYPE, message, 0, AgronaShmRings.MESSAGE_BYTES)) {
                Thread.onSpinWait();
            }
            echo.close();
            rings.close();
            Files.deleteIfExists(file);
        }
    }

    @Benchmark
    public long pagestoreChannel(PagestoreChannel state) {
        long start = System.nanoTime();
        long answered = state.roundTrip(state.nextId++);
        state.latency.record(System.nanoTime() - start);
        return answered;
    }

    @Benchmark
    public long unixSocket(UnixSocket state) throws Exception {
        long start = System.nanoTime();
        long answered = state.roundTrip(start);
        state.latency.record(System.nanoTime() - start);
        return answered;
    }

    @Benchmark
    public long agrona(AgronaRings state) {
        long start = System.nanoTime();
        long answered = state.roundTrip(start);
        state.latency.record(System.nanoTime() - start);
        return answered;
    }
}

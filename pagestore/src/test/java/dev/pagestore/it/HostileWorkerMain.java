package dev.pagestore.it;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.pagestore.ipc.channel.Channel;
import dev.pagestore.ipc.channel.ChannelParameters;
import dev.pagestore.ipc.control.AttachRequest;
import dev.pagestore.ipc.control.ControlClient;
import dev.pagestore.ipc.linux.ProcessIdentity;
import dev.pagestore.ipc.linux.Errno;
import dev.pagestore.ipc.linux.LibcFiles;
import dev.pagestore.ipc.linux.LibcMemory;
import dev.pagestore.ipc.ring.RequestDescriptor;
import dev.pagestore.ipc.ring.RingProducer;
import dev.pagestore.protocol.PageStoreProtocol;
import dev.pagestore.status.StatusView;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Collectors;

/**
 * A hostile worker for {@link HostileWorkerTest}: {@code DIR PAGE SCRIBBLE_MILLIS}. It attaches claiming to be pid 1,
 * then does what issue 14 found a worker could do to the manager, and prints what the kernel answered:
 * <ol>
 *   <li>{@code ATTEMPTS name=result ...}: shrink the status region, map it writable, {@code write(2)} it (also
 *       through a reopen of {@code /proc/self/fd/N}), punch a hole in it; then maps both, publishes a write of page
 *       PAGE and, while that write is in flight, shrinks and grows its channel through a copy of the received
 *       descriptor and through a reopen of {@code /proc/self/fd/N}. Each result is {@code OK} or the errno's name.</li>
 *   <li>overwrites its whole channel mapping with random bytes for SCRIBBLE_MILLIS, then prints
 *       {@code SCRIBBLED passes=N}.</li>
 *   <li>{@code MAPS devshm=D memfd=M}: its mappings of files under {@code /dev/shm} and of pagestore memfds, while
 *       both are mapped.</li>
 * </ol>
 * Then {@code DONE}, and it waits for stdin to close.
 */
public final class HostileWorkerMain {
    private static final int FALLOC_FL_KEEP_SIZE = 0x01;
    private static final int FALLOC_FL_PUNCH_HOLE = 0x02;

    private HostileWorkerMain() {
    }

    public static void main(String[] args) throws Exception {
        Path directory = Path.of(args[0]);
        long page = Long.parseLong(args[1]);
        long scribbleMillis = Long.parseLong(args[2]);
        ControlClient control = ControlClient.attach(PageStoreProtocol.socketPath(directory),
                new AttachRequest(new ProcessIdentity(1, 0), 0, 0, "hostile"), event -> { }, Duration.ofSeconds(10));
        int channelFd = control.takeChannelDescriptor();
        int statusFd = control.takeStatusDescriptor();
        Map<String, String> attempts = new LinkedHashMap<>();
        int capacity = control.ringCapacity();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment eight = arena.allocate(8);
            attempts.put("statusShrink", result(LibcFiles.ftruncate(statusFd, 0)));
            long mapped = LibcMemory.mmap(0, 4096, LibcMemory.PROT_READ | LibcMemory.PROT_WRITE, LibcMemory.MAP_SHARED, statusFd, 0);
            attempts.put("statusMapWritable", result(mapped));
            if (mapped > 0) {
                LibcMemory.munmap(mapped, 4096);
            }
            attempts.put("statusWrite", result(LibcFiles.pwrite(statusFd, eight, 8, 0)));
            int statusReopened = LibcFiles.open("/proc/self/fd/" + statusFd, LibcFiles.O_RDWR | LibcFiles.O_CLOEXEC, 0);
            attempts.put("statusReopen", result(statusReopened));
            if (statusReopened >= 0) {
                attempts.put("statusReopenWrite", result(LibcFiles.pwrite(statusReopened, eight, 8, 0)));
                attempts.put("statusPunchHole", result(LibcFiles.fallocate(statusReopened,
                        FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 4096)));
                attempts.put("statusReopenShrink", result(LibcFiles.ftruncate(statusReopened, 0)));
                LibcFiles.close(statusReopened);
            }
            // A copy of the channel's descriptor outlives the attach, which closes the one it is given.
            int channelCopy = LibcFiles.fcntl(channelFd, LibcFiles.F_DUPFD_CLOEXEC, 0);
            try (StatusView status = StatusView.map(statusFd);
                 Channel channel = Channel.attach(channelFd, "hostile", new ChannelParameters(
                         control.pageSizeBytes(), capacity, capacity, capacity))) {
                // A write in flight: slot 0 filled, the request published.
                channel.buffer(0).fill((byte) 0x5A);
                RingProducer requests = channel.requestProducer();
                if (requests.claim(1, System.nanoTime() + 5_000_000_000L) == 1) {
                    RequestDescriptor.write(requests.segment(), requests.entryOffset(0),
                            RequestDescriptor.OPCODE_WRITE, (byte) 0, 1, page, 1, 0,
                            System.nanoTime() + 5_000_000_000L, 0, 0);
                    requests.publish(1);
                }
                attempts.put("channelShrink", result(LibcFiles.ftruncate(channelCopy, 0)));
                attempts.put("channelShrinkToHeader", result(LibcFiles.ftruncate(channelCopy, 4096)));
                attempts.put("channelGrow", result(LibcFiles.ftruncate(channelCopy, 1L << 30)));
                int channelReopened = LibcFiles.open("/proc/self/fd/" + channelCopy, LibcFiles.O_RDWR | LibcFiles.O_CLOEXEC, 0);
                attempts.put("channelReopen", result(channelReopened));
                if (channelReopened >= 0) {
                    attempts.put("channelReopenShrink", result(LibcFiles.ftruncate(channelReopened, 0)));
                    LibcFiles.close(channelReopened);
                }
                LibcFiles.close(channelCopy);
                System.out.println("ATTEMPTS " + attempts.entrySet().stream()
                        .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(" ")));
                System.out.flush();
                // The test checks how the manager recorded this worker before the scribbling makes it end the session.
                java.nio.file.Path go = java.nio.file.Path.of(args[0], "hostile-go");
                long goDeadline = System.nanoTime() + 30_000_000_000L;
                while (!java.nio.file.Files.exists(go) && System.nanoTime() < goDeadline) {
                    Thread.sleep(5);
                }

                // Then scribble over everything this worker can write: rings, header, lifeline, every slot.
                MemorySegment all = channel.segment();
                SplittableRandom random = new SplittableRandom(14);
                long passes = 0;
                long end = System.nanoTime() + scribbleMillis * 1_000_000;
                while (System.nanoTime() < end) {
                    for (long offset = 0; offset + 8 <= all.byteSize(); offset += 8) {
                        all.set(JAVA_LONG, offset, random.nextLong());
                    }
                    passes++;
                }
                System.out.println("SCRIBBLED passes=" + passes + " epoch=" + status.epoch());
                List<String> maps = Files.readAllLines(Path.of("/proc/self/maps"));
                System.out.println("MAPS devshm=" + maps.stream().filter(l -> l.contains("/dev/shm/")).count()
                        + " memfd=" + maps.stream().filter(l -> l.contains("/memfd:pagestore-")).count());
            }
        }
        System.out.println("DONE");
        System.out.flush();
        while (System.in.read() >= 0) {
            // wait for the test to let go
        }
        control.close();
    }

    private static String result(long value) {
        return value >= 0 ? "OK" : Errno.of((int) -value).name();
    }
}

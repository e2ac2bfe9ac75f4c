package dev.pagestore.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.client.ClientOptions;
import dev.pagestore.client.PageStoreClient;
import dev.pagestore.ipc.linux.ProcessIdentity;
import dev.pagestore.ipc.testing.ChildJvm;
import dev.pagestore.manager.ManagerConfig;
import dev.pagestore.manager.PageStoreManager;
import dev.pagestore.status.StatusFigures;
import dev.pagestore.status.StatusRegionDescriptor;
import dev.pagestore.status.StatusView;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14, items 2 and 3, with real processes: a hostile worker ({@link HostileWorkerMain}) tries to shrink or grow
 * its channel while a write is in flight (through its descriptor and a reopen of {@code /proc/self/fd/N}), to
 * truncate, write or map writable the status region, scribbles random bytes over its whole channel, and claims to be
 * pid 1; meanwhile a well-behaved worker process reads and writes its own pages with content checks. Before issue 14
 * the truncation faulted the manager (SIGBUS on its mapping) or killed a reactor; now the kernel refuses each attempt
 * (seals), the manager serves on, and it records the hostile worker under the pid the kernel gave it. Nothing is
 * under {@code /dev/shm}: both processes map only memfds.
 *
 * <p>The hostile worker scribbles for 2 s in the suite; {@code -Dpagestore.hostile.scribbleMillis=60000} (with the
 * well-behaved worker's load stretched to match) is the longer soak.
 */
class HostileWorkerTest {
    private static final Duration STARTUP = Duration.ofSeconds(60);
    private static final long CAPACITY = 4096;
    private static final long SCRIBBLE_MILLIS = Long.getLong("pagestore.hostile.scribbleMillis", 2000);

    @TempDir
    Path directory;

    @Test
    void shouldRefuseEveryResizeAndWriteAndKeepServingOthersWhileAWorkerScribblesItsChannel() throws Exception {
        ManagerConfig config = ManagerConfig.defaults(directory).withCapacityPages(CAPACITY)
                .withCheckpointIntervalMillis(0);
        try (PageStoreManager manager = PageStoreManager.start(config);
             // Pages at CAPACITY / 2 and above are the hostile worker's: the good one only reads them, unchecked.
             ChildJvm good = ChildJvm.start(WorkerMain.class, directory.toString(), "load", "0", "64",
                     Long.toString(SCRIBBLE_MILLIS + 3000), "14", Long.toString(CAPACITY / 2))) {
            assertEquals("READY", good.awaitLine(STARTUP), "the well-behaved worker attached");
            try (ChildJvm hostile = ChildJvm.start(HostileWorkerMain.class, directory.toString(),
                    Long.toString(CAPACITY - 1), Long.toString(SCRIBBLE_MILLIS))) {
                Map<String, String> attempts = fields(hostile.awaitLineStartingWith("ATTEMPTS", STARTUP));
                // (a) its channel's size is sealed, whatever descriptor it uses, with a write in flight
                for (String attempt : List.of("channelShrink", "channelShrinkToHeader", "channelGrow",
                        "channelReopenShrink")) {
                    assertEquals("EPERM", attempts.get(attempt), attempt + " in " + attempts);
                }
                assertEquals("OK", attempts.get("channelReopen"), "a reopen works, and is bound by the same seals");
                // (b) the status region is the manager's to write, and its size is sealed
                for (String attempt : List.of("statusShrink", "statusMapWritable", "statusWrite",
                        "statusReopenWrite", "statusPunchHole", "statusReopenShrink")) {
                    assertEquals("EPERM", attempts.get(attempt), attempt + " in " + attempts);
                }
                // (e) recorded under the kernel's pid, not the one it claimed
                List<Long> pids = manager.attachedWorkerProcesses().stream().map(ProcessIdentity::pid).toList();
                assertTrue(pids.contains(hostile.pid()), "kernel pid " + hostile.pid() + " among " + pids);
                assertFalse(pids.contains(1L), "the claimed pid 1 is not recorded: " + pids);
                // Before it scribbles: a scribbled channel may be reclaimed, and then nothing of it is mapped.
                assertTrue(Files.readAllLines(Path.of("/proc/self/maps")).stream()
                        .anyMatch(l -> l.contains("/memfd:pagestore-channel-")), "its channels are memfds");
                java.nio.file.Files.createFile(directory.resolve("hostile-go"));  // now it may scribble

                String scribbled = hostile.awaitLineStartingWith("SCRIBBLED",
                        STARTUP.plusMillis(SCRIBBLE_MILLIS));
                System.out.println("hostile worker: " + scribbled);
                // (d) no /dev/shm anywhere: the worker maps the two memfds it was sent, and nothing else
                assertEquals("MAPS devshm=0 memfd=2", hostile.awaitLineStartingWith("MAPS", STARTUP));
                assertEquals("DONE", hostile.awaitLine(STARTUP));
                List<String> managerMaps = Files.readAllLines(Path.of("/proc/self/maps"));
                assertTrue(managerMaps.stream().noneMatch(l -> l.contains("/dev/shm/pagestore")),
                        "the manager maps nothing under /dev/shm");
                assertTrue(managerMaps.stream().anyMatch(l -> l.contains("/memfd:pagestore-status")),
                        "the manager's status region is a memfd");
                for (String oldName : oldShmNames(directory)) {
                    try (var files = Files.list(Path.of("/dev/shm"))) {
                        assertTrue(files.noneMatch(f -> f.getFileName().toString().startsWith(oldName)),
                                "no /dev/shm/" + oldName + "*");
                    }
                }

                // (c) the well-behaved worker saw nothing of it, and the manager still serves
                String done = good.awaitLine(STARTUP.plusMillis(SCRIBBLE_MILLIS));
                assertTrue(done.startsWith("DONE"), "the well-behaved worker: " + done);
                assertEquals(0, good.awaitExit(STARTUP));
                assertNull(manager.fatalCause(), "the manager did not stop");
                try (PageStoreClient client = PageStoreClient.attach(directory, ClientOptions.defaults());
                     StatusView status = StatusView.observe(directory)) {
                    client.write(7, WorkerMain.stamp(4096, 7, 99));
                    assertArrayEquals(WorkerMain.stamp(4096, 7, 99), client.read(7), "the manager still serves");
                    assertEquals(0, StatusFigures.sumReactors(status, StatusRegionDescriptor.ERRORS));
                    assertEquals(StatusRegionDescriptor.STATE_RUNNING, status.state());
                }
            }
        }
    }

    private static Map<String, String> fields(String line) {
        Map<String, String> fields = new HashMap<>();
        for (String field : line.substring(line.indexOf(' ') + 1).split(" ")) {
            String[] pair = field.split("=", 2);
            fields.put(pair[0], pair[1]);
        }
        return fields;
    }

    /** The names the manager used under /dev/shm for this directory before issue 14 (status region, channels). */
    private static List<String> oldShmNames(Path directory) throws Exception {
        Path real = directory.toRealPath();
        CRC32C crc = new CRC32C();
        crc.update(real.toString().getBytes(StandardCharsets.UTF_8));
        String hash = Long.toHexString(crc.getValue()) + "-" + Integer.toHexString(real.toString().hashCode());
        return List.of("pagestore-status-" + hash, "pagestore-ch-" + hash);
    }
}

package dev.pagestore.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.client.ClientOptions;
import dev.pagestore.client.ErrorCode;
import dev.pagestore.client.PageStoreClient;
import dev.pagestore.client.PageStoreException;
import dev.pagestore.ipc.ring.CompletionDescriptor;
import dev.pagestore.manager.ManagerConfig;
import dev.pagestore.manager.PageStoreManager;
import dev.pagestore.manager.SimulatedDevices;
import dev.pagestore.nvme.sim.NvmeOpcodes;
import dev.pagestore.nvme.sim.SimulatedNvmeDevice;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The manager's and the client's JFR events, recorded while each thing they report happens and read back with
 * {@code jdk.jfr.consumer}: invalid requests, timeouts on arrival and on a held device command (in the manager and in
 * the client), a WAL commit, a checkpoint, the manager lost, a recovery, the client re-attached.
 */
class JfrEventsTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @TempDir
    Path directory;

    @TempDir
    Path recordings;

    @Test
    void shouldRecordWhatOperatorsLookFor() throws Exception {
        AtomicReference<SimulatedNvmeDevice> device = new AtomicReference<>();
        ManagerConfig config = ManagerConfig.defaults(directory).withCapacityPages(64).withCheckpointIntervalMillis(0)
                .withBackend(SimulatedDevices.simulated(7, device::set));
        Path file = recordings.resolve("events.jfr");
        long firstPid;
        try (Recording recording = new Recording()) {
            for (String name : List.of("pagestore.InvalidRequest", "pagestore.RequestTimeout",
                    "pagestore.RequestTimedOut", "pagestore.WalCommit", "pagestore.Checkpoint", "pagestore.ManagerLost",
                    "pagestore.Recovery", "pagestore.Reattached")) {
                recording.enable(name).withoutThreshold();
            }
            recording.start();
            PageStoreManager first = PageStoreManager.start(config);
            try (PageStoreClient client = PageStoreClient.attach(directory, ClientOptions.defaults()
                    .withDefaultTimeout(TIMEOUT))) {
                client.write(2, new byte[4096]);
                try (RawWorker raw = RawWorker.attach(directory, "jfr-raw")) {
                    long invalid = raw.post((byte) 99, (byte) 0, 1, 1, 0, 0, 0, 0);
                    assertEquals(CompletionDescriptor.STATUS_INVALID, raw.await(invalid, TIMEOUT).status());
                    long late = raw.read(1, 1, 1);  // a deadline long past
                    assertEquals(CompletionDescriptor.STATUS_TIMEOUT, raw.await(late, TIMEOUT).status());
                }
                device.get().faults().holdNext(NvmeOpcodes.READ, 1);
                PageStoreException held = assertThrows(PageStoreException.class,
                        () -> client.read(2, Duration.ofMillis(300)));
                assertEquals(ErrorCode.TIMEOUT, held.code());
                device.get().faults().releaseHeld();
                first.checkpoint();
                firstPid = ProcessHandle.current().pid();
                first.close();
                assertTrue(first.awaitStopped(30, java.util.concurrent.TimeUnit.SECONDS));
                long until = System.nanoTime() + TIMEOUT.toNanos();
                while (client.isConnected() && System.nanoTime() < until) {
                    Thread.sleep(5);
                }
                assertFalse(client.isConnected(), "the client saw its manager go");
                try (PageStoreManager second = PageStoreManager.start(config)) {
                    client.reattach(TIMEOUT);
                    client.read(2);
                }
            }
            recording.stop();
            recording.dump(file);
        }
        List<RecordedEvent> events = RecordingFile.readAllEvents(file);
        RecordedEvent invalid = one(events, "pagestore.InvalidRequest");
        assertTrue(invalid.getString("worker").startsWith("jfr-raw"), invalid.getString("worker"));
        assertEquals(firstPid, invalid.getLong("workerPid"));
        List<String> where = named(events, "pagestore.RequestTimeout").stream().map(e -> e.getString("where"))
                .toList();
        assertTrue(where.contains("arrival"), "the late read: " + where);
        assertTrue(where.size() >= 2, "and the held one: " + where);
        assertTrue(named(events, "pagestore.RequestTimedOut").stream()
                .anyMatch(e -> e.getString("where").equals("manager")), "the client's side of the held read");
        assertFalse(named(events, "pagestore.WalCommit").isEmpty());
        assertTrue(named(events, "pagestore.Checkpoint").stream().anyMatch(e -> e.getBoolean("succeeded")));
        // The second manager stops while the client is still open, so its loss may be recorded too before the recording
        // stops: only the first manager's is certain, and it is recorded once.
        List<RecordedEvent> losses = named(events, "pagestore.ManagerLost").stream()
                .filter(e -> e.getLong("managerEpoch") == 1).toList();
        assertEquals(1, losses.size(), "the first manager's loss, once: " + losses);
        RecordedEvent lost = losses.getFirst();
        assertEquals(firstPid, lost.getLong("managerPid"));
        // a stop closes the sessions' sockets; which the watch sees first depends on timing
        assertTrue(List.of("CONNECTION_CLOSED", "SESSION_ENDED", "PROCESS_DIED").contains(lost.getString("cause")),
                lost.getString("cause"));
        List<RecordedEvent> recoveries = named(events, "pagestore.Recovery");
        assertEquals(2, recoveries.size(), "two starts");
        assertTrue(recoveries.getLast().getLong("redoLsn") > 0, "the second start recovered from a checkpoint");
        RecordedEvent reattached = one(events, "pagestore.Reattached");
        assertEquals(2, reattached.getLong("managerEpoch"), "the second manager's");
    }

    private static RecordedEvent one(List<RecordedEvent> events, String name) {
        List<RecordedEvent> found = named(events, name);
        assertEquals(1, found.size(), name + ": " + found);
        return found.getFirst();
    }

    private static List<RecordedEvent> named(List<RecordedEvent> events, String name) {
        return events.stream().filter(e -> e.getEventType().getName().equals(name)).toList();
    }
}

package dev.pagestore.manager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.client.ClientOptions;
import dev.pagestore.client.ErrorCode;
import dev.pagestore.client.PageStoreClient;
import dev.pagestore.client.PageStoreException;
import dev.pagestore.ipc.control.AttachRefusedException;
import dev.pagestore.ipc.control.AttachRequest;
import dev.pagestore.ipc.control.ControlClient;
import dev.pagestore.ipc.linux.ProcessIdentity;
import dev.pagestore.ipc.control.RefusalCode;
import dev.pagestore.ipc.linux.LibcFiles;
import dev.pagestore.protocol.PageStoreProtocol;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the manager grants and refuses at attach (issue 14, item 8): a ring capacity outside [16, the manager's] or not
 * a power of two is refused with a message naming it and the range, never silently changed; 0 asks for the manager's
 * capacity and the store's page size; the grant says what they are.
 */
class AttachPolicyTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path directory;

    private PageStoreManager start() throws Exception {
        return PageStoreManager.start(ManagerConfig.defaults(directory).withCapacityPages(256)
                .withPageSizeBytes(8192).withRingCapacity(64).withCheckpointIntervalMillis(0));
    }

    @Test
    void shouldRefuseRingCapacitiesOutOfRangeNamingTheValueAndTheRange() throws Exception {
        try (PageStoreManager manager = start()) {
            for (int capacity : new int[] {128, 8, 24, 1 << 16, 2}) {
                AttachRefusedException e = assertThrows(AttachRefusedException.class, () -> ControlClient.attach(
                        manager.socketPath(), AttachRequest.fromCurrentProcess(0, capacity, "odd"), event -> { },
                        WAIT), "ringCapacity=" + capacity);
                assertEquals(RefusalCode.BAD_RING_CAPACITY, e.code());
                assertTrue(e.getMessage().contains("ringCapacity=" + capacity) && e.getMessage().contains("[16, 64]"),
                        e.getMessage());
            }
            PageStoreException e = assertThrows(PageStoreException.class, () -> PageStoreClient.attach(directory,
                    ClientOptions.defaults().withRingCapacity(128)));
            assertEquals(ErrorCode.INVALID, e.code());
            assertInstanceOf(AttachRefusedException.class, e.getCause());
            assertEquals(0, manager.attachedWorkers(), "nothing was attached by a refused request");
        }
    }

    @Test
    void shouldGrantExactlyWhatWasAskedOrTheManagersChoiceForZero() throws Exception {
        try (PageStoreManager manager = start()) {
            try (ControlClient asked = ControlClient.attach(manager.socketPath(),
                    AttachRequest.fromCurrentProcess(8192, 32, "exact"), event -> { }, WAIT)) {
                assertEquals(32, asked.ringCapacity(), "granted as asked, not rounded or clamped");
                assertEquals(8192, asked.pageSizeBytes());
                LibcFiles.close(asked.takeChannelDescriptor());
                LibcFiles.close(asked.takeStatusDescriptor());
            }
            try (PageStoreClient client = PageStoreClient.attach(directory, ClientOptions.defaults())) {
                assertEquals(8192, client.pageSizeBytes(), "page size 0 asks for the store's");
            }
            AttachRefusedException e = assertThrows(AttachRefusedException.class, () -> ControlClient.attach(
                    PageStoreProtocol.socketPath(directory), AttachRequest.fromCurrentProcess(4096, 0, "wrong-page"),
                    event -> { }, WAIT));
            assertEquals(RefusalCode.BAD_PAGE_SIZE, e.code());
            assertTrue(e.getMessage().contains("pageSizeBytes=4096") && e.getMessage().contains("8192"),
                    e.getMessage());
        }
    }

    @Test
    void shouldRecordAWorkerUnderTheKernelsPid() throws Exception {
        try (PageStoreManager manager = start();
             ControlClient liar = ControlClient.attach(manager.socketPath(),
                     new AttachRequest(new ProcessIdentity(4_000_000, 0), 0, 0, "liar"), event -> { }, WAIT)) {
            LibcFiles.close(liar.takeChannelDescriptor());
            LibcFiles.close(liar.takeStatusDescriptor());
            assertEquals(ProcessIdentity.current().pid(), manager.attachedWorkerProcesses().getFirst().pid());
            assertEquals(ProcessIdentity.current().startTimeMillis(),
                    manager.attachedWorkerProcesses().getFirst().startTimeMillis());
        }
    }
}

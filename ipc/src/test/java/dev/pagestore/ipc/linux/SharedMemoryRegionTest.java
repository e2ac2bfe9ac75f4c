package dev.pagestore.ipc.linux;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.ipc.testing.ChildJvm;
import java.lang.invoke.VarHandle;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SharedMemoryRegionTest {
    private static final VarHandle INT = JAVA_INT.varHandle();
    private final String name = "pagestore-test-shm-" + ProcessHandle.current().pid() + "-" + System.nanoTime();

    @AfterEach
    void removeRegion() throws Exception {
        SharedMemoryRegion.unlink(name);
    }

    @Test
    void shouldCreateAZeroedOwnerOnlyRegionUnderDevShm() throws Exception {
        try (SharedMemoryRegion region = SharedMemoryRegion.create(name, 3 * 4096)) {
            assertEquals(SharedMemoryRegion.SHM_ROOT.resolve(name), region.path());
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(region.path())));
            assertEquals(3 * 4096, region.sizeBytes());
            assertEquals(0, region.segment().address() % 4096, "mapping is page aligned");
            for (long i = 0; i < region.sizeBytes(); i += 4) {
                assertEquals(0, region.segment().get(JAVA_INT, i));
            }
        }
    }

    @Test
    void shouldShareStoresBetweenTwoMappings() throws Exception {
        try (SharedMemoryRegion created = SharedMemoryRegion.create(name, 4096);
             SharedMemoryRegion attached = SharedMemoryRegion.attach(name)) {
            INT.setRelease(created.segment(), 64L, 42);
            assertEquals(42, (int) INT.getAcquire(attached.segment(), 64L));
        }
    }

    @Test
    void shouldSeeAnotherProcessesStore() throws Exception {
        try (SharedMemoryRegion region = SharedMemoryRegion.create(name, 4096);
             ChildJvm child = ChildJvm.start(LinuxTestChild.class, "shm-write", name, "123456")) {
            assertEquals("ready", child.awaitLine(Duration.ofSeconds(30)));
            assertEquals(123456, (int) INT.getAcquire(region.segment(), 8L));
            assertEquals(0, child.awaitExit(Duration.ofSeconds(20)));
        }
    }

    @Test
    void shouldRefuseToCreateAnExistingName() throws Exception {
        try (SharedMemoryRegion region = SharedMemoryRegion.create(name, 4096)) {
            assertThrows(FileAlreadyExistsException.class, () -> SharedMemoryRegion.create(name, 4096));
            assertTrue(Files.exists(region.path()), "the existing region is untouched");
        }
    }

    @Test
    void shouldRefuseToAttachAMissingName() {
        assertThrows(NoSuchFileException.class, () -> SharedMemoryRegion.attach(name));
    }

    @Test
    void shouldKeepTheMappingAfterUnlink() throws Exception {
        try (SharedMemoryRegion region = SharedMemoryRegion.create(name, 4096)) {
            region.unlink();
            assertFalse(Files.exists(region.path()));
            region.segment().set(JAVA_INT, 0, 5);
            assertEquals(5, region.segment().get(JAVA_INT, 0));
        }
    }

    @Test
    void shouldRejectNamesWithSlashesAndEmptySizes() {
        IllegalArgumentException badName = assertThrows(IllegalArgumentException.class,
                () -> SharedMemoryRegion.create("../etc", 4096));
        assertTrue(badName.getMessage().contains("../etc"), badName.getMessage());
        IllegalArgumentException badSize = assertThrows(IllegalArgumentException.class,
                () -> SharedMemoryRegion.create(name, 0));
        assertTrue(badSize.getMessage().contains("sizeBytes=0"), badSize.getMessage());
    }

    @Test
    void shouldFailAccessAfterClose() throws Exception {
        SharedMemoryRegion region = SharedMemoryRegion.create(name, 4096);
        region.close();
        region.close();  // idempotent
        assertThrows(IllegalStateException.class, () -> region.segment().get(JAVA_INT, 0));
    }
}

package dev.pagestore.ipc.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.ipc.testing.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExclusiveLockTest {
    @TempDir
    Path dir;

    @Test
    void shouldRefuseASecondProcessNamingTheHoldersPid() throws Exception {
        try (ChildJvm child = ChildJvm.start(LinuxTestChild.class, "lock", dir.toString())) {
            assertEquals("ready", child.awaitLine(Duration.ofSeconds(30)));
            ExclusiveLock.OwnedByAnotherProcessException refused = assertThrows(
                    ExclusiveLock.OwnedByAnotherProcessException.class,
                    () -> ExclusiveLock.acquire(dir, "data directory"));
            assertTrue(refused.getMessage().contains("pid " + child.pid()), refused.getMessage());
            assertTrue(refused.getMessage().contains(dir.toString()), refused.getMessage());

            child.kill9();
            // The kernel drops an flock with its last descriptor, so kill -9 frees the directory.
            try (ExclusiveLock lock = ExclusiveLock.acquire(dir, "data directory")) {
                assertEquals(String.valueOf(ProcessHandle.current().pid()),
                        Files.readString(lock.lockFile()).trim());
            }
        }
    }

    @Test
    void shouldBeReacquirableAfterClose() throws Exception {
        ExclusiveLock first = ExclusiveLock.acquire(dir, "data directory");
        first.close();
        first.close();  // idempotent
        try (ExclusiveLock second = ExclusiveLock.acquire(dir, "data directory")) {
            assertEquals(dir.resolve(".lock"), second.lockFile());
        }
    }

    @Test
    void shouldLockAFileThroughASiblingLockFile() throws Exception {
        Path data = Files.createFile(dir.resolve("data.pages"));
        try (ExclusiveLock lock = ExclusiveLock.acquire(data, "data file")) {
            assertEquals(dir.resolve("data.pages.lock"), lock.lockFile());
        }
    }

    @Test
    void shouldReportAMissingDirectoryWithErrno() {
        ErrnoException missing = assertThrows(ErrnoException.class,
                () -> ExclusiveLock.acquireLockFile(dir.resolve("absent/.lock"), "data directory"));
        assertEquals(Errno.ENOENT, missing.errno());
        assertTrue(missing.getMessage().contains("absent"), missing.getMessage());
    }
}

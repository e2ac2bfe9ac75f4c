package dev.pagestore.cli.doctor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class SharedMemoryCheckTest {

    @Test
    void shouldReportDevShmWithItsSizeAndFreeSpace() {
        Check check = SharedMemoryCheck.run();

        assertTrue(check.status() != Status.FAIL, check::toString);
        assertTrue(check.detail().matches("/dev/shm on tmpfs, [0-9.]+ [KMGT]?i?B free of [0-9.]+ [KMGT]?i?B.*"),
                check.detail());
    }

    @Test
    void shouldFailWhenTheSharedMemoryDirectoryIsMissing() {
        Path missing = Path.of("/dev/shm-missing-" + ProcessHandle.current().pid());

        Check check = SharedMemoryCheck.of(missing);

        assertEquals(Status.FAIL, check.status());
        assertEquals(missing + " does not exist or is not a directory", check.detail());
        assertTrue(check.advice().startsWith("mount a tmpfs there"), check.advice());
    }

    @Test
    void shouldWarnWhenTheDirectoryIsNotATmpfs() throws IOException {
        Path disk = Path.of("target").toAbsolutePath();
        Files.createDirectories(disk);
        assumeFalse(Files.getFileStore(disk).type().equals("tmpfs"), "target/ is on a disk");

        Check check = SharedMemoryCheck.of(disk);

        assertEquals(Status.WARN, check.status());
        assertTrue(check.detail().endsWith("not a tmpfs"), check.detail());
    }
}

package dev.pagestore.cli.doctor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DirectIoCheckTest {

    /** Under target/, on the disk the build runs on (a @TempDir in /tmp may be a tmpfs on some distributions). */
    private Path dir;

    @BeforeEach
    void createDirectory() throws IOException {
        Path target = Path.of("target").toAbsolutePath();
        Files.createDirectories(target);
        dir = Files.createTempDirectory(target, "doctor-direct-io-");
    }

    @AfterEach
    void deleteDirectory() throws IOException {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.toList()) {
                Files.delete(file);
            }
        }
        Files.delete(dir);
    }

    private static boolean onTmpfs(Path path) throws IOException {
        return Files.getFileStore(path).type().equals("tmpfs");
    }

    @Test
    void shouldReportAlignmentOnADiskDirectoryAndLeaveNoFileBehind() throws IOException {
        assumeFalse(onTmpfs(dir), "the build directory is on a disk");

        Check check = DirectIoCheck.of(dir, true);

        assertEquals(Status.OK, check.status(), check::toString);
        assertTrue(check.detail().startsWith(dir + " on "), check.detail());
        assertTrue(check.detail().contains("O_DIRECT works; alignment: memory "), check.detail());
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(0, files.count(), "the probe file must be deleted");
        }
    }

    @Test
    void shouldFailWhenANamedDirectoryDoesNotExist() {
        Path missing = dir.resolve("missing");

        Check check = DirectIoCheck.of(missing, true);

        assertEquals(Status.FAIL, check.status());
        assertEquals("data directory " + missing + " does not exist", check.detail());
        assertEquals("create it with mkdir -p " + missing + " or pass --dir", check.advice());
        assertFalse(Files.exists(missing));
    }

    @Test
    void shouldTestTheNearestExistingParentOfTheDefaultDirectory() throws IOException {
        assumeFalse(onTmpfs(dir), "the build directory is on a disk");
        Path notYet = dir.resolve("pagestore-data").resolve("deeper");

        Check check = DirectIoCheck.of(notYet, false);

        assertEquals(Status.OK, check.status(), check::toString);
        assertTrue(check.detail().startsWith(notYet + " (not created yet) in " + dir + " on "), check.detail());
        assertFalse(Files.exists(notYet.getParent()), "the doctor must not create the directory");
    }

    @Test
    void shouldFailWhenTheDataDirectoryIsAFile() throws IOException {
        Path file = Files.createFile(dir.resolve("a-file"));

        Check check = DirectIoCheck.of(file, true);

        assertEquals(Status.FAIL, check.status());
        assertEquals("data directory " + file + " is not a directory", check.detail());
    }

    @Test
    void shouldFailClearlyWhenTheDirectoryRefusesNewFiles() throws IOException {
        Path readOnly;
        if (System.getProperty("user.name").equals("root")) {
            // root ignores mode bits; sysfs refuses new files even to root.
            readOnly = Path.of("/sys");
            assumeTrue(Files.isDirectory(readOnly), "/sys is mounted");
        } else {
            readOnly = dir;
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("r-x------"));
        }

        Check check = DirectIoCheck.of(readOnly, true);

        assertEquals(Status.FAIL, check.status(), check::toString);
        assertTrue(check.detail().contains(readOnly + " on "), check.detail());
        assertTrue(check.detail().contains("is not writable by this user (open: EACCES")
                || check.detail().contains("is not writable by this user (open: EPERM")
                || check.detail().contains("is not writable by this user (open: EROFS"), check.detail());
        assertTrue(check.advice().contains("pass --dir"), check.advice());
    }

    @Test
    void shouldNotAcceptTmpfsAsADataDirectory() throws IOException {
        Path shm = Path.of("/dev/shm");
        assumeTrue(Files.isDirectory(shm) && onTmpfs(shm), "/dev/shm is a tmpfs");

        Check check = DirectIoCheck.of(shm, true);

        // Before Linux 6.6 tmpfs refuses O_DIRECT with EINVAL; since then it accepts it, but the data is in memory.
        if (check.status() == Status.FAIL) {
            assertTrue(check.detail().startsWith("/dev/shm on tmpfs refuses O_DIRECT (open: EINVAL"), check.detail());
        } else {
            assertEquals(Status.WARN, check.status(), check::toString);
            assertTrue(check.detail().endsWith("but tmpfs keeps data in memory"), check.detail());
        }
        try (Stream<Path> files = Files.list(shm)) {
            assertFalse(files.anyMatch(file -> file.getFileName().toString().startsWith(".pagestore-doctor-"
                    + ProcessHandle.current().pid())), "the probe file must be deleted");
        }
    }
}

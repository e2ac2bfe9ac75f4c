package dev.pagestore.ipc.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** statx through a descriptor and through a path: what tells a lock holder that its file was deleted or replaced. */
class FileStatusTest {
    @TempDir
    Path dir;

    @Test
    void shouldSeeTheSameFileThroughItsDescriptorAndItsPath() throws Exception {
        Path file = Files.createFile(dir.resolve("a"));
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
        int fd = (int) Libc.check(LibcFiles.open(file.toString(), LibcFiles.O_RDONLY | LibcFiles.O_CLOEXEC, 0), "open", "a");
        try {
            FileStatus open = FileStatus.of(fd);
            FileStatus named = FileStatus.ofPath(file);
            assertTrue(open.sameFileAs(named));
            assertEquals(1, open.linkCount());
            assertEquals(0640, open.permissions());
            assertTrue(open.isRegularFile());
            assertEquals(Files.getAttribute(file, "unix:uid"), open.uid());
            assertEquals(((Number) Files.getAttribute(file, "unix:ino")).longValue(), open.inode());
        } finally {
            LibcFiles.close(fd);
        }
    }

    @Test
    void shouldTellADeletedOrReplacedFileFromTheOneStillOpen() throws Exception {
        Path file = Files.createFile(dir.resolve("lock"));
        int fd = (int) Libc.check(LibcFiles.open(file.toString(), LibcFiles.O_RDONLY | LibcFiles.O_CLOEXEC, 0), "open", "lock");
        try {
            Files.delete(file);
            assertEquals(0, FileStatus.of(fd).linkCount(), "an unlinked file has no names");
            ErrnoException gone = assertThrows(ErrnoException.class, () -> FileStatus.ofPath(file));
            assertEquals(Errno.ENOENT, gone.errno());
            Files.createFile(file);
            assertFalse(FileStatus.of(fd).sameFileAs(FileStatus.ofPath(file)), "a new file under the old name");
        } finally {
            LibcFiles.close(fd);
        }
    }

    @Test
    void shouldSeeARemovedDirectoryThroughItsDescriptorAndNotFollowLinks() throws Exception {
        Path sub = Files.createDirectory(dir.resolve("sub"));
        Path link = Files.createSymbolicLink(dir.resolve("link"), sub);
        assertTrue(FileStatus.ofPath(link).isSymbolicLink(), "the link itself, not what it points at");
        assertTrue(FileStatus.ofPath(sub).isDirectory());
        int fd = (int) Libc.check(LibcFiles.open(sub.toString(), LibcFiles.O_RDONLY | LibcFiles.O_DIRECTORY | LibcFiles.O_CLOEXEC, 0),
                "open", "sub");
        try {
            Files.delete(sub);
            assertEquals(0, FileStatus.of(fd).linkCount(), "a removed directory has no names");
        } finally {
            LibcFiles.close(fd);
        }
    }
}

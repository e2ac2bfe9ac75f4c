package dev.pagestore.ipc.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LibcTest {
    @TempDir
    Path dir;

    @Test
    void shouldReturnNegativeErrnoForAMissingFile() {
        int result = LibcFiles.open(dir.resolve("missing").toString(), LibcFiles.O_RDONLY, 0);
        assertEquals(-Errno.ENOENT.number(), result);
    }

    @Test
    void shouldReportTheProcessId() {
        assertEquals(ProcessHandle.current().pid(), LibcProcesses.getpid());
    }

    @Test
    void shouldMapErrnoNumbersToNamesAndKeepUnknownNumbers() {
        assertEquals(Errno.EAGAIN, Errno.of(11));
        assertEquals(Errno.EWOULDBLOCK, Errno.EAGAIN);
        assertEquals("ENOSPC (28): No space left on device", Errno.describe(28));
        assertEquals(Errno.UNKNOWN, Errno.of(4095));
        assertEquals("errno 4095: Unknown error", Errno.describe(4095));
    }

    @Test
    void shouldNameOperationSubjectAndErrorInExceptions() {
        ErrnoException e = assertThrows(ErrnoException.class,
                () -> Libc.check(LibcFiles.open("/nonexistent/x", LibcFiles.O_RDONLY, 0), "open", "/nonexistent/x"));
        assertEquals("open /nonexistent/x: ENOENT (2): No such file or directory", e.getMessage());
        assertEquals("open", e.operation());
    }

    @Test
    void shouldReportAnUnknownSyscallAsEnosys() {
        assertEquals(-Errno.ENOSYS.number(), Libc.syscall(100_000, 0, 0, 0, 0, 0, 0));
    }

    @Test
    void shouldReadTheMemlockLimit() throws Exception {
        ResourceLimits limits = ResourceLimits.memlock();
        assertTrue(limits.softBytes() >= 0 && limits.softBytes() <= limits.hardBytes(), limits.toString());
    }
}

package dev.pagestore.nvme.uring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.ipc.linux.Errno;
import org.junit.jupiter.api.Test;

class CompletionStatusTest {

    @Test
    void shouldMapDeviceErrorsToTypedResults() {
        assertEquals(CompletionStatus.OK, CompletionStatus.of(UringOp.READ, 4096));
        assertEquals(CompletionStatus.IO_ERROR, CompletionStatus.of(UringOp.READ, -Errno.EIO.number()));
        assertEquals(CompletionStatus.IO_ERROR, CompletionStatus.of(UringOp.FSYNC, -Errno.EIO.number()));
        assertEquals(CompletionStatus.NO_SPACE, CompletionStatus.of(UringOp.WRITE, -Errno.ENOSPC.number()));
        assertEquals(CompletionStatus.NO_SPACE, CompletionStatus.of(UringOp.WRITE, -Errno.EDQUOT.number()));
        assertEquals(CompletionStatus.INVALID, CompletionStatus.of(UringOp.WRITE, -Errno.EINVAL.number()));
    }

    @Test
    void shouldMarkInterruptedAndWouldBlockAsRetryable() {
        assertEquals(CompletionStatus.RETRY, CompletionStatus.of(UringOp.READ, -Errno.EAGAIN.number()));
        assertEquals(CompletionStatus.RETRY, CompletionStatus.of(UringOp.WRITE, -Errno.EINTR.number()));
    }

    @Test
    void shouldMapCancellationOutcomesPerOperation() {
        assertEquals(CompletionStatus.CANCELED, CompletionStatus.of(UringOp.READ, -Errno.ECANCELED.number()));
        assertEquals(CompletionStatus.CANCEL_TARGET_NOT_FOUND,
                CompletionStatus.of(UringOp.ASYNC_CANCEL, -Errno.ENOENT.number()));
        assertEquals(CompletionStatus.CANCEL_TARGET_RUNNING,
                CompletionStatus.of(UringOp.ASYNC_CANCEL, -CompletionStatus.EALREADY));
        assertEquals(CompletionStatus.UNKNOWN_ERROR, CompletionStatus.of(UringOp.READ, -Errno.ENOENT.number()),
                "ENOENT means something only for a cancellation");
    }

    @Test
    void shouldTreatBadAddressAndBadDescriptorAsProgrammingErrors() {
        IllegalStateException fault = assertThrows(IllegalStateException.class,
                () -> CompletionStatus.of(UringOp.WRITE, -Errno.EFAULT.number()));
        assertTrue(fault.getMessage().startsWith("WRITE failed: EFAULT"), fault.getMessage());
        IllegalStateException badFd = assertThrows(IllegalStateException.class,
                () -> CompletionStatus.of(UringOp.FSYNC, -Errno.EBADF.number()));
        assertTrue(badFd.getMessage().startsWith("FSYNC failed: EBADF"), badFd.getMessage());
    }

    @Test
    void shouldNameTheOperationAndRawErrnoOfAnUnknownError() {
        assertEquals(CompletionStatus.UNKNOWN_ERROR, CompletionStatus.of(UringOp.READ, -1234));
        assertEquals("READ failed: errno 1234: Unknown error", CompletionStatus.describe(UringOp.READ, -1234));
    }
}

package dev.pagestore.nvme;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class StatusAndRetryTest {

    @Test
    void shouldPackAndUnpackAnNvmeStatusField() {
        int detail = StatusDetail.nvme(StatusDetail.nvmeField(2, 0x81, true));
        assertTrue(StatusDetail.isNvme(detail));
        assertFalse(StatusDetail.isErrno(detail));
        assertEquals(2, StatusDetail.nvmeStatusCodeType(detail));
        assertEquals(0x81, StatusDetail.nvmeStatusCode(detail));
        assertTrue(StatusDetail.doNotRetry(detail));
        assertEquals("nvme sct=0x2 sc=0x81 dnr=1", StatusDetail.describe(detail));
        assertThrows(IllegalArgumentException.class, () -> StatusDetail.nvme(0x8000));
        assertThrows(IllegalArgumentException.class, () -> StatusDetail.nvmeField(8, 0, false));
    }

    @Test
    void shouldPackAnErrno() {
        int detail = StatusDetail.errno(5);
        assertTrue(StatusDetail.isErrno(detail));
        assertEquals(5, StatusDetail.errnoNumber(detail));
        assertFalse(StatusDetail.doNotRetry(detail));
        assertTrue(StatusDetail.describe(detail).startsWith("EIO (5)"), StatusDetail.describe(detail));
        assertEquals("none", StatusDetail.describe(StatusDetail.NONE));
    }

    @Test
    void shouldBackOffExponentiallyWithinTheBound() {
        RetryPolicy policy = RetryPolicy.exponential(4, 100, 500);
        assertEquals(100, policy.backoffNanos(IoOpcode.READ, IoStatus.IO_ERROR, StatusDetail.NONE, 0));
        assertEquals(200, policy.backoffNanos(IoOpcode.READ, IoStatus.IO_ERROR, StatusDetail.NONE, 1));
        assertEquals(400, policy.backoffNanos(IoOpcode.READ, IoStatus.IO_ERROR, StatusDetail.NONE, 2));
        assertEquals(500, policy.backoffNanos(IoOpcode.READ, IoStatus.IO_ERROR, StatusDetail.NONE, 3), "capped");
        assertTrue(policy.backoffNanos(IoOpcode.READ, IoStatus.IO_ERROR, StatusDetail.NONE, 4) < 0, "bounded attempts");
    }

    @Test
    void shouldNeverRetryDoNotRetryOrPermanentStatuses() {
        RetryPolicy policy = RetryPolicy.defaultPolicy();
        int dnr = StatusDetail.nvme(StatusDetail.nvmeField(0, 0x06, true));
        assertTrue(policy.backoffNanos(IoOpcode.READ, IoStatus.IO_ERROR, dnr, 0) < 0);
        assertTrue(policy.backoffNanos(IoOpcode.READ, IoStatus.INVALID, StatusDetail.NONE, 0) < 0);
        assertTrue(policy.backoffNanos(IoOpcode.READ, IoStatus.NO_SPACE, StatusDetail.NONE, 0) < 0);
        assertTrue(policy.backoffNanos(IoOpcode.READ, IoStatus.TIMEOUT, StatusDetail.NONE, 0) < 0);
        assertTrue(policy.backoffNanos(IoOpcode.READ, IoStatus.SHORT_TRANSFER, StatusDetail.NONE, 0) >= 0);
        assertTrue(RetryPolicy.NONE.backoffNanos(IoOpcode.READ, IoStatus.IO_ERROR, StatusDetail.NONE, 0) < 0);
    }

    @Test
    void shouldNeverRetryAFailedFlush() {
        RetryPolicy policy = RetryPolicy.exponential(5, 0, 0);
        assertTrue(policy.backoffNanos(IoOpcode.FLUSH, IoStatus.IO_ERROR, StatusDetail.NONE, 0) < 0,
                "a retried fsync can report success for lost data (fsyncgate)");
        assertTrue(policy.backoffNanos(IoOpcode.WRITE, IoStatus.IO_ERROR, StatusDetail.NONE, 0) >= 0);
    }

    @Test
    void shouldGiveEachUseOfASlotANewCommandIdWithinSixteenBits() {
        CommandTable table = new CommandTable(128);
        assertEquals(7, table.slotBits);
        int slot = table.prepare(IoOpcode.FLUSH, 1, null, 0, 0, QueuePair.NO_DEADLINE);
        int first = table.issue(slot);
        table.awaitRetry(slot, 0);
        int second = table.issue(slot);
        assertTrue(first != second);
        assertEquals(slot, table.slotOf(first));
        assertEquals(slot, table.slotOf(second));
        assertEquals(table.generationOf(first), table.previousGeneration(slot));
        for (int i = 0; i < 1000; i++) {
            table.awaitRetry(slot, 0);
            int cid = table.issue(slot);
            assertTrue(cid >= 0 && cid <= 0xffff, "cid " + cid);
        }
        assertFalse(table.inRange(0x1_0000));
        assertThrows(IllegalArgumentException.class, () -> new CommandTable(4097));
        assertThrows(IllegalArgumentException.class, () -> new CommandTable(0));
    }
}

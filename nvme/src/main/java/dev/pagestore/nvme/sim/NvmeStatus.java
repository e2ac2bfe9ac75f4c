package dev.pagestore.nvme.sim;

import dev.pagestore.nvme.IoStatus;
import dev.pagestore.nvme.StatusDetail;

/**
 * NVMe status fields (15 bits: SC 7:0, SCT 10:8, CRD 12:11, M 13, DNR 14) the simulator produces, and their mapping
 * to {@link IoStatus}. Codes from NVMe Base Specification 2.0, figures 102-104, and the NVM Command Set 1.0.
 */
public final class NvmeStatus {
    public static final int SCT_GENERIC = 0x0;
    public static final int SCT_COMMAND_SPECIFIC = 0x1;
    public static final int SCT_MEDIA = 0x2;

    public static final int SUCCESS = 0;
    public static final int INVALID_OPCODE = StatusDetail.nvmeField(SCT_GENERIC, 0x01, true);
    public static final int INVALID_FIELD = StatusDetail.nvmeField(SCT_GENERIC, 0x02, true);
    public static final int DATA_TRANSFER_ERROR = StatusDetail.nvmeField(SCT_GENERIC, 0x04, false);
    public static final int ABORTED_POWER_LOSS = StatusDetail.nvmeField(SCT_GENERIC, 0x05, false);
    public static final int INTERNAL_ERROR = StatusDetail.nvmeField(SCT_GENERIC, 0x06, false);
    public static final int ABORT_REQUESTED = StatusDetail.nvmeField(SCT_GENERIC, 0x07, false);
    public static final int ABORTED_SQ_DELETION = StatusDetail.nvmeField(SCT_GENERIC, 0x08, false);
    public static final int INVALID_NAMESPACE = StatusDetail.nvmeField(SCT_GENERIC, 0x0b, true);
    public static final int LBA_OUT_OF_RANGE = StatusDetail.nvmeField(SCT_GENERIC, 0x80, true);
    public static final int CAPACITY_EXCEEDED = StatusDetail.nvmeField(SCT_GENERIC, 0x81, true);
    public static final int NAMESPACE_NOT_READY = StatusDetail.nvmeField(SCT_GENERIC, 0x82, false);
    public static final int WRITE_FAULT = StatusDetail.nvmeField(SCT_MEDIA, 0x80, false);
    public static final int UNRECOVERED_READ_ERROR = StatusDetail.nvmeField(SCT_MEDIA, 0x81, false);

    private static final int DNR_BIT = 1 << 14;

    private NvmeStatus() {
    }

    /** The same status with the do-not-retry bit set. */
    public static int withDoNotRetry(int statusField) {
        return statusField | DNR_BIT;
    }

    /** The {@link IoStatus} a status field means to a caller. */
    public static IoStatus toIoStatus(int statusField) {
        if (statusField == SUCCESS) {
            return IoStatus.OK;
        }
        int withoutFlags = statusField & 0x7ff;  // SCT and SC, without CRD, M and DNR
        int sct = withoutFlags >>> 8;
        int sc = withoutFlags & 0xff;
        if (sct == SCT_MEDIA) {
            return IoStatus.IO_ERROR;
        }
        if (sct != SCT_GENERIC) {
            return sct == SCT_COMMAND_SPECIFIC ? IoStatus.INVALID : IoStatus.IO_ERROR;
        }
        return switch (sc) {
            case 0x01, 0x02, 0x0b -> IoStatus.INVALID;
            case 0x05, 0x07, 0x08 -> IoStatus.ABORTED;
            case 0x80, 0x81 -> IoStatus.NO_SPACE;  // LBA out of range, capacity exceeded
            case 0x82 -> IoStatus.BUSY;
            default -> IoStatus.IO_ERROR;
        };
    }
}

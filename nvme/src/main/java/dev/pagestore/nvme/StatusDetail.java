package dev.pagestore.nvme;

import dev.pagestore.ipc.linux.Errno;

/**
 * The backend's own status for a completion, packed in one {@code int} so that completions allocate nothing.
 *
 * <pre>
 *  bit 31    30          29           28..16    15        14    13   12..11   10..8   7..0
 *  ┌───────┬───────────┬────────────┬─────────┬─────────┬─────┬────┬────────┬───────┬──────┐
 *  │   0   │ from NVMe │ from errno │ 0       │ 0       │ DNR │ M  │  CRD   │  SCT  │  SC  │  NVMe status field
 *  └───────┴───────────┴────────────┴─────────┴─────────┴─────┴────┴────────┴───────┴──────┘
 *                                              errno: bits 15..0 hold the errno number
 * </pre>
 *
 * {@link #NONE} (0) means the backend said nothing beyond the {@link IoStatus}. The NVMe status field is the 15-bit
 * field of completion-queue-entry dword 3 bits 31:17 (NVMe Base Specification 2.0, figure 101): status code (SC),
 * status code type (SCT), command retry delay (CRD), more (M) and do not retry (DNR).
 */
public final class StatusDetail {
    /** No backend detail. */
    public static final int NONE = 0;

    private static final int FROM_NVME = 1 << 30;
    private static final int FROM_ERRNO = 1 << 29;
    private static final int NVME_FIELD_MASK = 0x7fff;
    private static final int SC_MASK = 0xff;
    private static final int SCT_SHIFT = 8;
    private static final int SCT_MASK = 0x7;
    private static final int DNR_BIT = 1 << 14;
    private static final int ERRNO_MASK = 0xffff;

    private StatusDetail() {
    }

    /** A detail from an NVMe status field (15 bits, phase tag excluded). */
    public static int nvme(int statusField) {
        if ((statusField & ~NVME_FIELD_MASK) != 0) {
            throw new IllegalArgumentException("statusField=0x" + Integer.toHexString(statusField)
                    + " has bits outside the 15-bit NVMe status field");
        }
        return FROM_NVME | statusField;
    }

    /** The NVMe status field for a status code type, status code and do-not-retry bit. */
    public static int nvmeField(int statusCodeType, int statusCode, boolean doNotRetry) {
        if (statusCodeType < 0 || statusCodeType > SCT_MASK) {
            throw new IllegalArgumentException("statusCodeType=" + statusCodeType + " is outside 0..7");
        }
        if (statusCode < 0 || statusCode > SC_MASK) {
            throw new IllegalArgumentException("statusCode=" + statusCode + " is outside 0..255");
        }
        return (doNotRetry ? DNR_BIT : 0) | statusCodeType << SCT_SHIFT | statusCode;
    }

    /** A detail carrying an errno (positive number). */
    public static int errno(int errnoNumber) {
        if (errnoNumber <= 0 || errnoNumber > ERRNO_MASK) {
            throw new IllegalArgumentException("errnoNumber=" + errnoNumber + " is not a positive errno");
        }
        return FROM_ERRNO | errnoNumber;
    }

    public static boolean isNvme(int detail) {
        return (detail & FROM_NVME) != 0;
    }

    public static boolean isErrno(int detail) {
        return (detail & FROM_ERRNO) != 0;
    }

    /** The 15-bit NVMe status field, or 0 when the detail is not from NVMe. */
    public static int nvmeStatusField(int detail) {
        return isNvme(detail) ? detail & NVME_FIELD_MASK : 0;
    }

    /** The NVMe status code type (SCT), or -1 when the detail is not from NVMe. */
    public static int nvmeStatusCodeType(int detail) {
        return isNvme(detail) ? (detail >>> SCT_SHIFT) & SCT_MASK : -1;
    }

    /** The NVMe status code (SC), or -1 when the detail is not from NVMe. */
    public static int nvmeStatusCode(int detail) {
        return isNvme(detail) ? detail & SC_MASK : -1;
    }

    /** Whether the device marked the failure do-not-retry (NVMe DNR bit). */
    public static boolean doNotRetry(int detail) {
        return isNvme(detail) && (detail & DNR_BIT) != 0;
    }

    /** The errno, or 0 when the detail is not an errno. */
    public static int errnoNumber(int detail) {
        return isErrno(detail) ? detail & ERRNO_MASK : 0;
    }

    /** {@code "nvme sct=0x0 sc=0x4 dnr=1"}, {@code "EIO (5): Input/output error"} or {@code "none"}. */
    public static String describe(int detail) {
        if (isNvme(detail)) {
            return "nvme sct=0x" + Integer.toHexString(nvmeStatusCodeType(detail))
                    + " sc=0x" + Integer.toHexString(nvmeStatusCode(detail))
                    + " dnr=" + (doNotRetry(detail) ? 1 : 0);
        }
        if (isErrno(detail)) {
            return Errno.describe(errnoNumber(detail));
        }
        return detail == NONE ? "none" : "unknown detail 0x" + Integer.toHexString(detail);
    }
}

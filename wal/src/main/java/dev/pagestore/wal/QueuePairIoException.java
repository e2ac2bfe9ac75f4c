package dev.pagestore.wal;

import dev.pagestore.nvme.IoStatus;
import dev.pagestore.nvme.StatusDetail;
import java.io.IOException;

/**
 * A command of a {@link QueuePairLogDevice} completed with a status other than {@link IoStatus#OK}. The message names
 * the operation, the file, the device and the status (with the backend's {@link StatusDetail}, for example the NVMe
 * status field). The WAL treats it like any other {@link IOException}: a failed write or flush is final.
 */
public class QueuePairIoException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient IoStatus status;
    private final int detail;

    public QueuePairIoException(String operation, IoStatus status, int detail) {
        super(operation + " failed: " + status + " (" + StatusDetail.describe(detail) + ")");
        this.status = status;
        this.detail = detail;
    }

    /** What the queue pair reported. */
    public IoStatus status() {
        return status;
    }

    /** The backend's own status ({@link StatusDetail}). */
    public int detail() {
        return detail;
    }
}

package dev.pagestore.nvme;

import java.io.IOException;
import java.nio.file.Path;

/** The device is already open by another owner; the message names the holder's pid. */
public final class DeviceInUseException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String holder;

    public DeviceInUseException(Path device, String holder, Path lockFile, Throwable cause) {
        super("device " + device + " is already open by " + holder + " (lock file " + lockFile
                + "); a device has exactly one owning process", cause);
        this.holder = holder;
    }

    /** {@code "pid 1234 (java ...)"}. */
    public String holder() {
        return holder;
    }
}

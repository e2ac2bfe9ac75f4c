package dev.pagestore.ipc.linux;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class IoUringProbeTest {
    @Test
    void shouldAgreeWithTheKernelSwitch() {
        IoUringProbe probe = IoUringProbe.run();
        String sysctl = IoUringProbe.readSysctl();
        if (sysctl.equals("2")) {
            assertFalse(probe.available(), "io_uring_disabled=2 but setup worked: " + probe);
        } else if (sysctl.isEmpty() || sysctl.equals("0")) {
            // Linux 5.1+ with io_uring enabled: every machine this project supports for the io_uring backend.
            assertTrue(probe.available(), "io_uring enabled by sysctl but setup failed: " + probe);
        }
        if (probe.deferTaskrun()) {
            assertTrue(probe.singleIssuer(), "DEFER_TASKRUN needs SINGLE_ISSUER: " + probe);
        }
        if (!probe.available()) {
            assertFalse(probe.unavailableReason().isEmpty(), "a refusal says why: " + probe);
        }
    }
}

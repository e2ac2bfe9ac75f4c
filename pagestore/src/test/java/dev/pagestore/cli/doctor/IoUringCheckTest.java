package dev.pagestore.cli.doctor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.pagestore.ipc.linux.IoUringProbe;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IoUringCheckTest {

    private static final IoUringProbe FULL = new IoUringProbe(true, "", true, true, true, "");

    @TempDir
    Path tempDir;

    private Path sysctl(String value) throws IOException {
        Path file = tempDir.resolve("io_uring_disabled");
        Files.writeString(file, value + "\n");
        return file;
    }

    @Test
    void shouldExplainThatIoUringIsDisabledWithoutProbingWhenSysctlIsTwo() throws IOException {
        Path sysctl = sysctl("2");

        List<Check> checks = IoUringCheck.run(sysctl, () -> fail("the kernel refuses every ring: do not probe"));

        assertEquals(1, checks.size(), checks::toString);
        Check check = checks.getFirst();
        assertEquals(Status.WARN, check.status());
        assertEquals("disabled for every process: " + sysctl + " is 2", check.detail());
        assertTrue(check.advice().contains("portable backend"), check.advice());
        assertTrue(check.advice().contains("sysctl -w kernel.io_uring_disabled=0"), check.advice());
    }

    @Test
    void shouldExplainDisabledIoUringInTheWholeReportWithoutFailingIt() throws IOException {
        Doctor.Environment machine = Doctor.Environment.forMachine(tempDir, true);
        Doctor.Environment environment = new Doctor.Environment(machine.dataDir(), machine.dataDirExplicit(),
                machine.sharedMemoryDir(), sysctl("2"), machine.ioUringProbe(), machine.pathEnv());

        DoctorReport report = Doctor.examine(environment);
        StringWriter text = new StringWriter();
        report.print(new PrintWriter(text), 200, DoctorReport.StatusStyle.PLAIN);

        Check ioUring = report.checks().stream().filter(check -> check.name().equals(IoUringCheck.NAME))
                .findFirst().orElseThrow(() -> new AssertionError("no io_uring check in " + report.checks()));
        assertEquals(Status.WARN, ioUring.status());
        assertTrue(text.toString().contains("io_uring_disabled is 2"), text.toString());
        assertTrue(text.toString().contains("pagestore will use the portable backend"), text.toString());
        assertEquals(DoctorReport.EXIT_OK, report.exitCode(), text.toString());
    }

    @Test
    void shouldProbeWhenSysctlIsMissingOrZero() throws IOException {
        for (Path sysctl : List.of(tempDir.resolve("absent"), sysctl("0"))) {
            List<Check> checks = IoUringCheck.run(sysctl, () -> FULL);

            assertEquals(List.of(Status.OK, Status.OK, Status.OK), checks.stream().map(Check::status).toList());
            assertEquals(List.of(IoUringCheck.NAME, IoUringCheck.FLAGS_NAME, IoUringCheck.FIXED_BUFFERS_NAME),
                    checks.stream().map(Check::name).toList());
        }
    }

    @Test
    void shouldSayIoUringIsRestrictedToAGroupWhenSysctlIsOneAndProbeSucceeds() throws IOException {
        Path sysctl = sysctl("1");

        Check available = IoUringCheck.run(sysctl, () -> FULL).getFirst();

        assertEquals(Status.OK, available.status());
        assertTrue(available.detail().contains("restricted to root and kernel.io_uring_group"), available.detail());
    }

    @Test
    void shouldAdviseTheGroupWhenSysctlIsOneAndSetupIsRefused() throws IOException {
        IoUringProbe refused = new IoUringProbe(false, "EPERM (1): Operation not permitted", false, false, false, "");

        List<Check> checks = IoUringCheck.run(sysctl("1"), () -> refused);

        assertEquals(1, checks.size());
        assertEquals(Status.WARN, checks.getFirst().status());
        assertTrue(checks.getFirst().detail().contains("EPERM"), checks.getFirst().detail());
        assertTrue(checks.getFirst().advice().contains("/proc/sys/kernel/io_uring_group"), checks.getFirst().advice());
    }

    @Test
    void shouldBlameSeccompWhenSetupIsRefusedWhileTheSysctlAllowsIt() throws IOException {
        IoUringProbe refused = new IoUringProbe(false, "EPERM (1): Operation not permitted", false, false, false, "");

        Check check = IoUringCheck.run(sysctl("0"), () -> refused).getFirst();

        assertTrue(check.advice().contains("seccomp"), check.advice());
        assertTrue(check.advice().contains("portable backend"), check.advice());
    }

    @Test
    void shouldNameTheKernelVersionWhenSetupIsNotImplemented() throws IOException {
        IoUringProbe missing = new IoUringProbe(false, "ENOSYS (38): Function not implemented", false, false, false,
                "");

        Check check = IoUringCheck.run(tempDir.resolve("absent"), () -> missing).getFirst();

        assertTrue(check.advice().contains("CONFIG_IO_URING"), check.advice());
    }

    @Test
    void shouldWarnWhenTheKernelRefusesDeferTaskrun() {
        IoUringProbe noDefer = new IoUringProbe(true, "", true, false, true, "");

        Check flags = IoUringCheck.of(IoUringProbe.DISABLED_SYSCTL, "0", noDefer).get(1);

        assertEquals(Status.WARN, flags.status());
        assertEquals("SINGLE_ISSUER accepted, DEFER_TASKRUN refused (needs Linux 6.1+)", flags.detail());
    }

    @Test
    void shouldWarnThatOwnershipIsOnlyEnforcedInJavaWithoutSingleIssuer() {
        IoUringProbe old = new IoUringProbe(true, "", false, false, true, "");

        Check flags = IoUringCheck.of(IoUringProbe.DISABLED_SYSCTL, "", old).get(1);

        assertEquals(Status.WARN, flags.status());
        assertTrue(flags.advice().contains("enforced in Java"), flags.advice());
    }

    @Test
    void shouldPointAtTheMemlockLimitWhenFixedBuffersAreRefusedForLackOfMemory() {
        IoUringProbe noMemory = new IoUringProbe(true, "", true, true, false, "ENOMEM (12): Cannot allocate memory");

        Check fixed = IoUringCheck.of(IoUringProbe.DISABLED_SYSCTL, "0", noMemory).get(2);

        assertEquals(Status.WARN, fixed.status());
        assertTrue(fixed.detail().endsWith("ENOMEM (12): Cannot allocate memory"), fixed.detail());
        assertTrue(fixed.advice().contains("RLIMIT_MEMLOCK"), fixed.advice());
    }
}

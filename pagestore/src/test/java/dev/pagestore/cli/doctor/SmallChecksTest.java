package dev.pagestore.cli.doctor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.ipc.linux.ResourceLimits;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The checks whose inputs are plain values: Java version, CPU count, memlock limits, PATH. */
class SmallChecksTest {

    @TempDir
    Path tempDir;

    @Test
    void shouldFailOnJavaOlderThan25() {
        Check check = JavaRuntimeCheck.of(Runtime.Version.parse("21.0.2+13"), "Vendor", "/opt/jdk21");

        assertEquals(Status.FAIL, check.status());
        assertEquals("Java 21.0.2+13 (Vendor) at /opt/jdk21 is older than Java 25", check.detail());
        assertTrue(check.advice().contains("JDK 25+"), check.advice());
    }

    @Test
    void shouldAcceptJava25AndNewer() {
        assertEquals(Status.OK, JavaRuntimeCheck.of(Runtime.Version.parse("25"), "V", "/j").status());
        assertEquals(Status.OK, JavaRuntimeCheck.of(Runtime.Version.parse("26-ea"), "V", "/j").status());
        assertEquals(Status.OK, JavaRuntimeCheck.run().status(), "the tests run on Java 25+");
    }

    @Test
    void shouldWarnThatThreadsAreNotPinnedBelowFourCpus() {
        Check two = CpuCheck.of(2);

        assertEquals(Status.WARN, two.status());
        assertEquals("2 available to this process", two.detail());
        assertTrue(two.advice().contains("not pinned"), two.advice());
        assertEquals(Status.OK, CpuCheck.of(4).status());
        assertThrows(IllegalArgumentException.class, () -> CpuCheck.of(0));
    }

    @Test
    void shouldAcceptAnUnlimitedOrLargeMemlockLimit() {
        assertEquals(Check.ok(MemlockCheck.NAME, "unlimited"),
                MemlockCheck.of(new ResourceLimits(Long.MAX_VALUE, Long.MAX_VALUE)));
        assertEquals(Status.OK, MemlockCheck.of(new ResourceLimits(1L << 30, 1L << 30)).status());
    }

    @Test
    void shouldWarnAboutTheDefaultEightMebibyteMemlockLimit() {
        Check check = MemlockCheck.of(new ResourceLimits(8L << 20, 8L << 20));

        assertEquals(Status.WARN, check.status());
        assertEquals("8 MiB soft, 8 MiB hard (ulimit -l 8192)", check.detail());
        assertTrue(check.advice().contains("/etc/security/limits.conf"), check.advice());
        assertFalse(check.advice().contains("ulimit -l"), "the hard limit allows no raise: " + check.advice());
    }

    @Test
    void shouldSuggestUlimitWhenTheHardLimitAllowsRaising() {
        Check check = MemlockCheck.of(new ResourceLimits(8L << 20, Long.MAX_VALUE));

        assertTrue(check.advice().contains("ulimit -l unlimited"), check.advice());
    }

    @Test
    void shouldFindFioOnThePath() throws IOException {
        Path bin = Files.createDirectory(tempDir.resolve("bin"));
        Path fio = Files.createFile(bin.resolve("fio"));
        Files.setPosixFilePermissions(fio, PosixFilePermissions.fromString("rwxr-xr-x"));

        Check check = FioCheck.of("/nonexistent:" + bin);

        assertEquals(Check.ok(FioCheck.NAME, "found at " + fio), check);
    }

    @Test
    void shouldAdviseInstallingFioWhenItIsMissing() throws IOException {
        Path notExecutable = Files.createFile(tempDir.resolve("fio"));

        for (String path : new String[] {null, "", tempDir.toString()}) {
            Check check = FioCheck.of(path);

            assertEquals(Status.WARN, check.status(), () -> "PATH=" + path + " " + notExecutable);
            assertEquals("apt-get install fio (dnf install fio on Fedora/RHEL)", check.advice());
        }
    }
}

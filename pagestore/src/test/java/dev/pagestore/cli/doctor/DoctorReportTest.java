package dev.pagestore.cli.doctor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DoctorReportTest {

    private static String print(DoctorReport report, int widthChars) {
        StringWriter text = new StringWriter();
        report.print(new PrintWriter(text), widthChars, DoctorReport.StatusStyle.PLAIN);
        return text.toString();
    }

    @Test
    void shouldAlignNamesAndDetailsAndIndentAdvice() {
        DoctorReport report = new DoctorReport(List.of(
                Check.ok("a", "first"),
                Check.warn("longer name", "second", "do this"),
                Check.fail("b", "third", "do that")));

        assertEquals("""
                [OK]   a            first
                [WARN] longer name  second
                                    → do this
                [FAIL] b            third
                                    → do that

                1 failure, 1 warning: fix the FAIL lines before starting pagestore.
                """, print(report, 100));
    }

    @Test
    void shouldWrapLongTextInTheDetailColumn() {
        DoctorReport report = new DoctorReport(List.of(
                Check.warn("n", "one two three four five six seven eight nine ten eleven twelve thirteen fourteen",
                        "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron")));

        String text = print(report, 50);

        assertEquals("""
                [WARN] n  one two three four five six seven eight
                          nine ten eleven twelve thirteen fourteen
                          → alpha beta gamma delta epsilon zeta
                            eta theta iota kappa lambda mu nu xi
                            omicron
                """, text.substring(0, text.indexOf("\n\n") + 1));
        assertTrue(text.lines().limit(5).allMatch(line -> line.length() <= 50), text);
    }

    @Test
    void shouldExitOneOnlyWhenSomethingFailed() {
        DoctorReport warnings = new DoctorReport(List.of(Check.ok("a", "x"), Check.warn("b", "y", "z")));
        DoctorReport failure = new DoctorReport(List.of(Check.ok("a", "x"), Check.fail("b", "y", "z")));

        assertEquals(0, warnings.exitCode());
        assertEquals(1, failure.exitCode());
        assertTrue(warnings.summary().startsWith("No failures, 1 warning"), warnings.summary());
        assertEquals("No issues found: this machine offers everything pagestore uses.",
                new DoctorReport(List.of(Check.ok("a", "x"))).summary());
    }

    @Test
    void shouldRejectAWarningOrFailureWithoutAdvice() {
        assertThrows(IllegalArgumentException.class, () -> Check.warn("a", "b", ""));
        assertThrows(IllegalArgumentException.class, () -> Check.fail("a", "b", " "));
        assertThrows(IllegalArgumentException.class, () -> new DoctorReport(List.of()));
    }

    @Test
    void shouldTurnAnUnexpectedExceptionIntoAFailLineAndGoOn() {
        List<Check> checks = new ArrayList<>();

        Doctor.guarded(checks, "boom", () -> {
            throw new IllegalStateException("wrapper", new java.io.IOException("disk on fire"));
        });
        Doctor.guarded(checks, "link", () -> {
            throw new UnsatisfiedLinkError("libc has no symbol statx");
        });
        Doctor.guarded(checks, "fine", () -> List.of(Check.ok("fine", "ok")));

        assertEquals(List.of(
                Check.fail("boom", "check failed unexpectedly: IOException: disk on fire",
                        "report this with the output of bin/pagestore doctor"),
                Check.fail("link", "check failed unexpectedly: UnsatisfiedLinkError: libc has no symbol statx",
                        "report this with the output of bin/pagestore doctor"),
                Check.ok("fine", "ok")), checks);
    }
}

package dev.pagestore.ipc.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The start time from {@code /proc/PID/stat}: field 22 counted after the last {@code ')'}, because the command name
 * before it is the process's own choice and may hold spaces, parentheses and numbers.
 */
class ProcessStartTimeTest {
    /** Fields 3..52 of a real line, with starttime (field 22) = 4242. */
    private static final String AFTER_COMM = " S 1 100 100 0 -1 4194560 500 0 0 0 3 1 0 0 20 0 1 0 4242 10000000 300"
            + " 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n";

    @TempDir
    Path directory;

    @Test
    void shouldCountFieldsAfterTheLastParenthesisWhateverTheCommandNameHolds() {
        assertEquals(OptionalLong.of(4242), ProcessStartTime.parseStartTicks("77 (java)" + AFTER_COMM));
        assertEquals(OptionalLong.of(4242), ProcessStartTime.parseStartTicks("77 (a b c)" + AFTER_COMM),
                "spaces in the name");
        // A name that shifts a parser stopping at the first ')' by six fields.
        assertEquals(OptionalLong.of(4242), ProcessStartTime.parseStartTicks("77 (x) 1 2 3 4 5 9999)" + AFTER_COMM),
                "')' and numbers in the name");
        assertEquals(OptionalLong.of(4242), ProcessStartTime.parseStartTicks("77 ())))(((()" + AFTER_COMM),
                "nothing but parentheses");
        assertEquals(OptionalLong.of(4242), ProcessStartTime.parseStartTicks("77 ()" + AFTER_COMM), "an empty name");
    }

    @Test
    void shouldRefuseWhatIsNotAWholeStatLine() {
        assertEquals(OptionalLong.empty(), ProcessStartTime.parseStartTicks(""));
        assertEquals(OptionalLong.empty(), ProcessStartTime.parseStartTicks("77 java" + AFTER_COMM), "no ')'");
        assertEquals(OptionalLong.empty(), ProcessStartTime.parseStartTicks("77 (java) S 1 100\n"), "too few fields");
        assertEquals(OptionalLong.empty(), ProcessStartTime.parseStartTicks(
                "77 (java)" + AFTER_COMM.replace(" 4242 ", " 42x2 ")), "not a number");
        assertEquals(OptionalLong.empty(), ProcessStartTime.parseStartTicks(
                "77 (java)" + AFTER_COMM.replace(" 4242 ", " -4242 ")), "negative");
        assertEquals(OptionalLong.empty(), ProcessStartTime.parseStartTicks(
                "77 (java)" + AFTER_COMM.substring(0, AFTER_COMM.length() - 1)), "cut off before its newline");
        String tooLong = "77 (java)" + AFTER_COMM.replace("\n", " 0".repeat(ProcessStartTime.STAT_BYTES_MAX)) + "\n";
        assertEquals(OptionalLong.empty(), ProcessStartTime.parseStartTicks(tooLong), "longer than the bound");
    }

    @Test
    void shouldAgreeWithTheJdkForThisProcess() {
        long pid = ProcessHandle.current().pid();
        long jdk = ProcessHandle.current().info().startInstant().orElseThrow().toEpochMilli();
        assertEquals(jdk, ProcessStartTime.epochMillis(pid).orElseThrow());
    }

    /**
     * Real processes whose command name (the name of the file they executed, as {@code prctl(PR_SET_NAME)} would set
     * it) is built to fool a parser: the kernel writes it into {@code /proc/PID/stat} unescaped.
     */
    @Test
    void shouldReadTheStartTimeOfAProcessWhoseNameIsBuiltToFoolAParser() throws Exception {
        Path sleep = Path.of("/bin/sleep");
        assumeTrue(Files.isExecutable(sleep), "needs /bin/sleep to start a child with a chosen name");
        long ourTicks = ProcessStartTime.ticks(ProcessHandle.current().pid()).orElseThrow();
        for (String name : new String[] {"x) 1 2 3 4 5 9", ")) ((( ) (", "a b c d e f g h"}) {
            Path link = Files.createSymbolicLink(directory.resolve(name), sleep);
            Process child = new ProcessBuilder(link.toString(), "30").start();
            try {
                Path comm = Path.of("/proc", Long.toString(child.pid()), "comm");
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (!Files.readString(comm, StandardCharsets.US_ASCII).equals(name + "\n")) {
                    assertTrue(System.nanoTime() < deadline, "the child never took the name '" + name + "'");
                    Thread.sleep(5);
                }
                long ticks = ProcessStartTime.ticks(child.pid()).orElseThrow();
                assertTrue(ticks >= ourTicks, "'" + name + "': started at tick " + ticks + ", before this JVM ("
                        + ourTicks + ")");
                assertEquals(child.toHandle().info().startInstant().orElseThrow().toEpochMilli(),
                        ProcessStartTime.epochMillis(child.pid()).orElseThrow(), "'" + name + "'");
            } finally {
                child.destroyForcibly();
                child.waitFor();
                Files.delete(link);
            }
            assertEquals(OptionalLong.empty(), ProcessStartTime.ticks(child.pid()), "a reaped process has none");
        }
    }
}

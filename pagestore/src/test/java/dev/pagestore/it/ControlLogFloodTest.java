package dev.pagestore.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.cli.PageStoreCli;
import dev.pagestore.client.ClientOptions;
import dev.pagestore.client.PageStoreClient;
import dev.pagestore.ipc.testing.ChildJvm;
import dev.pagestore.protocol.PageStoreProtocol;
import dev.pagestore.status.StatusRegionDescriptor;
import dev.pagestore.status.StatusView;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14, item 8: "a faulting worker can flood the log with one line per request". Three worker processes do, as
 * fast as the manager answers, what any worker may do at will on the control socket: 2000 connections that send
 * garbage, 400 attach-detach cycles, 200 attaches claiming to be pid 1. The manager is a real {@code pagestore
 * manager} process, whose log (its stderr) is read line by line with its timestamps. Every kind of line those
 * workers cause is let through at most once a second (routine attach and end lines five a second), with how many
 * were left out, so the log stays under {@value #LINES_PER_SECOND_MAX} lines in every second; the events are counted
 * in the status region instead; and a well-behaved worker is served all along.
 */
class ControlLogFloodTest {
    private static final Duration STARTUP = Duration.ofSeconds(60);
    private static final int GARBAGE_CONNECTIONS = 2000;
    private static final int CYCLES = 400;
    private static final int FALSE_CLAIMS = 200;
    /**
     * Nine kinds at one line per one-second window and two at five: a clock second meets at most two windows of
     * each, so about 40 at the very worst; the flood's kinds are fewer. Without the limits it is hundreds.
     */
    private static final int LINES_PER_SECOND_MAX = 30;

    @TempDir
    Path directory;

    @Test
    void shouldKeepTheManagersLogToAFewLinesASecondWhileWorkersFloodTheControlSocket() throws Exception {
        Path store = directory.resolve("store");
        try (ChildJvm manager = ChildJvm.start(PageStoreCli.class, "manager", "--create", "--dir", store.toString(),
                "--capacity-pages", "1024", "--checkpoint-interval-ms", "0")) {
            manager.awaitLineStartingWith("pagestore manager pid", STARTUP);
            String socket = PageStoreProtocol.socketPath(store.toRealPath()).toString();
            byte[] page = WorkerMain.stamp(4096, 5, 1);
            try (PageStoreClient witness = PageStoreClient.attach(store, ClientOptions.defaults())) {
                int linesBefore = manager.errorLines().size();
                long startNanos = System.nanoTime();
                List<ChildJvm> flood = new ArrayList<>();
                try {
                    flood.add(ChildJvm.start(ControlFloodMain.class, socket, "garbage",
                            Integer.toString(GARBAGE_CONNECTIONS)));
                    flood.add(ChildJvm.start(ControlFloodMain.class, socket, "cycle", Integer.toString(CYCLES)));
                    flood.add(ChildJvm.start(ControlFloodMain.class, socket, "liar", Integer.toString(FALSE_CLAIMS)));
                    long served = 0;
                    for (ChildJvm worker : flood) {
                        worker.awaitLineStartingWith("STARTED", STARTUP);
                    }
                    for (ChildJvm worker : flood) {
                        // The witness is served throughout: a write and a read between every check of the flood.
                        String done = null;
                        while (done == null) {
                            witness.write(5, page);
                            assertArrayEquals(page, witness.read(5));
                            served++;
                            done = worker.process().isAlive() ? null : worker.awaitLineStartingWith("DONE", STARTUP);
                        }
                        assertEquals(0, worker.awaitExit(STARTUP), done);
                        System.out.println("flood: " + done);
                    }
                    System.out.println("the witness wrote and read back " + served + " pages during the flood");
                } finally {
                    for (ChildJvm worker : flood) {
                        worker.close();
                    }
                }
                Thread.sleep(1_100);  // the last ends of sessions, and a second for the limits to let a line through
                double seconds = (System.nanoTime() - startNanos) / 1e9;
                List<String> lines = manager.errorLines();
                lines = lines.subList(linesBefore, lines.size());
                assertLogBounded(lines, seconds);

                try (StatusView status = StatusView.observe(store)) {
                    long refusals = status.global(StatusRegionDescriptor.CONTROL_REFUSALS);
                    long attaches = status.global(StatusRegionDescriptor.ATTACHES);
                    System.out.println("the status region counts " + refusals + " control refusals and " + attaches
                            + " attaches");
                    assertTrue(refusals >= GARBAGE_CONNECTIONS, "every garbage connection counted: " + refusals);
                    assertTrue(attaches >= 1 + CYCLES + FALSE_CLAIMS, "every attach counted: " + attaches);
                }
            }
            try (PageStoreClient after = PageStoreClient.attach(store, ClientOptions.defaults())) {
                assertArrayEquals(page, after.read(5), "the manager serves on after the flood");
            }
        }
    }

    private static void assertLogBounded(List<String> lines, double seconds) {
        Map<LocalTime, Integer> perSecond = new TreeMap<>();
        List<String> counted = new ArrayList<>();
        LocalTime second = null;
        for (String line : lines) {
            assertTrue(!line.contains("Exception") && !line.startsWith("\tat "), "no stack trace: " + line);
            try {
                second = LocalTime.parse(line.substring(0, Math.min(12, line.length()))).withNano(0);
            } catch (DateTimeParseException e) {
                // a continuation line: it belongs to the second of the line before
            }
            perSecond.merge(second, 1, Integer::sum);
            counted.add(line);
        }
        int worst = perSecond.values().stream().mapToInt(Integer::intValue).max().orElse(0);
        System.out.printf("the manager logged %d lines in %.1f s of flood (at most %d in one second): %s%n",
                counted.size(), seconds, worst, perSecond);
        assertTrue(worst <= LINES_PER_SECOND_MAX, worst + " lines in one second: " + String.join("\n", counted));
        assertTrue(counted.size() <= LINES_PER_SECOND_MAX * (seconds + 1), counted.size() + " lines in "
                + seconds + " s: " + String.join("\n", counted));
        // The limits let each kind through, saying how many were left out: the flood was seen, and summarised.
        assertContains(counted, "claims pid 1, but the kernel says pid");
        assertContains(counted, "protocol errors not logged");
        assertContains(counted, "attaches logged at debug level only");
        assertContains(counted, "ends logged at debug level only");
    }

    private static void assertContains(List<String> lines, String text) {
        assertTrue(lines.stream().anyMatch(line -> line.contains(text)), "no line with '" + text + "' in:\n"
                + String.join("\n", lines));
    }
}

package dev.pagestore.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.ipc.testing.ChildJvm;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The suite's short version of WalBench (the full run is a documented command in {@code bench/HISTORY.md}): one
 * second per point, WAL rows only (fio may not be installed), in a child JVM because WalBench reads its properties
 * once per JVM.
 */
class WalBenchSmokeTest {
    private static final Pattern ROW = Pattern.compile("WAL 4 KiB, +(\\d+) appenders: +(\\d+) appends/s .*mean batch "
            + "([0-9.]+)");

    @ParameterizedTest
    @ValueSource(strings = {"block", "future", "reactor"})
    void aShortRunPrintsADurableAppendRateForEveryAppenderCount(String wait) throws Exception {
        try (ChildJvm bench = ChildJvm.start(WalBench.class, List.of("-Dpagestore.walbench.wait=" + wait,
                        "-Dpagestore.walbench.peers=false", "-Dpagestore.walbench.pageSizes=4096",
                        "-Dpagestore.walbench.appenders=1,8", "-Dpagestore.walbench.checkpointMillis=200"),
                "target/walbench-smoke-" + wait, "1", "1", "0")) {
            for (int appenders : new int[] {1, 8}) {
                String line = bench.awaitLineStartingWith("WAL 4 KiB", Duration.ofSeconds(60));
                Matcher row = ROW.matcher(line);
                assertTrue(row.find(), line);
                assertEquals(appenders, Integer.parseInt(row.group(1)), line);
                assertTrue(Long.parseLong(row.group(2)) > 0, "no append became durable: " + line);
                assertTrue(Double.parseDouble(row.group(3)) >= 1.0, line);
            }
            assertEquals(0, bench.awaitExit(Duration.ofSeconds(60)));
        }
    }

    @Test
    void helpPrintsTheUsageAndAnUnknownWaitModeIsRefused() throws Exception {
        try (ChildJvm help = ChildJvm.start(WalBench.class, "--help")) {
            assertTrue(help.awaitLine(Duration.ofSeconds(30)).startsWith("Usage: WalBench"));
            assertEquals(0, help.awaitExit(Duration.ofSeconds(30)));
        }
        try (ChildJvm refused = ChildJvm.start(WalBench.class, List.of("-Dpagestore.walbench.wait=sleepy"),
                "target/walbench-smoke-refused", "1", "1", "0")) {
            assertEquals(2, refused.awaitExit(Duration.ofSeconds(30)));
        }
    }
}

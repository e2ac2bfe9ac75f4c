package dev.pagestore.torture.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The short version of the power-loss loop, and its regressions: seeds 1 and 3 lost acknowledged writes and read torn
 * pages while a checkpoint forced the data file with an {@code fdatasync} that does not reach the device's volatile
 * cache (fixed: {@code DeviceSync}).
 */
class PowerLossLoopTest {
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)  // a failed loop's stores and logs stay for its investigation
    Path scratch;

    @Test
    void shouldLoseNoAcknowledgedWriteAcrossPowerCutsOfTheRegressionSeeds() throws Exception {
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(text, true, StandardCharsets.UTF_8);
        LoopResult result = new PowerLossLoop().run(new Budget(3, Long.MAX_VALUE / 2 + System.nanoTime()), 1,
                scratch, out);
        assertTrue(result.passed(), result.summary() + "\n" + text);
        assertEquals(3, result.iterations());
        assertEquals(9, result.counts().get("power cuts"));
        assertTrue(result.counts().get("acknowledged writes") > 0, result.summary());
        assertTrue(result.counts().get("cached blocks lost") > 0, "no cut dropped a cached block: " + result.summary());
    }
}

package dev.pagestore.wal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The simulated machines a test makes, each freed after the test: {@code @RegisterExtension final SimulatedMachines
 * machines = new SimulatedMachines();}, then {@code machines.make(seed, capacity)}.
 */
final class SimulatedMachines implements AfterEachCallback {
    private final List<SimulatedLogDirectory> made = new ArrayList<>();

    /** A new simulated directory whose every file holds {@code fileCapacityBytes}. */
    SimulatedLogDirectory make(long seed, long fileCapacityBytes) {
        SimulatedLogDirectory directory = new SimulatedLogDirectory(
                SimulatedLogDirectory.Settings.of(seed, fileCapacityBytes));
        made.add(directory);
        return directory;
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        for (SimulatedLogDirectory directory : made) {
            directory.close();
        }
        made.clear();
    }
}

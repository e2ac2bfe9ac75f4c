package dev.pagestore.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.client.ClientOptions;
import dev.pagestore.client.PageStoreClient;
import dev.pagestore.ipc.testing.ChildJvm;
import dev.pagestore.manager.ManagerConfig;
import dev.pagestore.manager.PageStoreManager;
import dev.pagestore.status.StatusFigures;
import dev.pagestore.status.StatusRegionDescriptor;
import dev.pagestore.status.StatusView;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The project's own adversarial suite (issue 14: "goes beyond this list"): a worker process
 * ({@link AdversarialWorkerMain}) attacks the manager through the protocol in thirteen ways no test was written for
 * before (a batch too long to end, a batch left open past its deadline, a wrong checksum, a checksum on a read,
 * waiting flags held up, the lifeline entry scribbled, holes punched in its own slab, completions never taken, both
 * ring sequences corrupted, attaching until refused, leaving with writes in flight, the same slots named by every
 * write), while a well-behaved worker
 * process reads and writes its own pages with content checks next to it. Each attack must be answered as the protocol
 * says; the well-behaved worker must see nothing; the manager must still serve and must not have stopped.
 *
 * <p>The suite runs one round. The long run repeats the attacks in shuffled order:
 * {@code -Dpagestore.adversarial.rounds=50 -Dpagestore.adversarial.seed=N} (docs/SECURITY.md).
 */
class AdversarialSuiteTest {
    private static final Duration STARTUP = Duration.ofSeconds(60);
    private static final long CAPACITY = 8192;
    private static final int ROUNDS = Integer.getInteger("pagestore.adversarial.rounds", 1);
    private static final long SEED = Long.getLong("pagestore.adversarial.seed", 14);

    @TempDir
    Path directory;

    @Test
    void shouldAnswerEveryAttackAsTheProtocolSaysAndKeepServingTheOthers() throws Exception {
        ManagerConfig config = ManagerConfig.defaults(directory).withCapacityPages(CAPACITY)
                .withCheckpointIntervalMillis(0);
        long goodMillis = 15_000L * ROUNDS;
        try (PageStoreManager manager = PageStoreManager.start(config);
                // The adversary writes pages [CAPACITY / 2, CAPACITY): the good worker reads them unchecked.
                ChildJvm good = ChildJvm.start(WorkerMain.class, directory.toString(), "load", "0", "64",
                        Long.toString(goodMillis), "21", Long.toString(CAPACITY / 2))) {
            assertEquals("READY", good.awaitLine(STARTUP), "the well-behaved worker attached");
            List<String> failures = new ArrayList<>();
            int attacks = 0;
            try (ChildJvm adversary = ChildJvm.start(AdversarialWorkerMain.class, directory.toString(),
                    Long.toString(CAPACITY / 2), Integer.toString(ROUNDS), Long.toString(SEED))) {
                while (true) {
                    String line = adversary.awaitLine(Duration.ofSeconds(120));
                    assertNotNull(line, "the adversary went silent after " + attacks + " attacks");
                    if (line.startsWith("DONE")) {
                        break;
                    }
                    if (line.startsWith("ATTACK ")) {
                        attacks++;
                        System.out.println(line);
                        if (!line.split(" ")[2].equals("PASS")) {
                            failures.add(line);
                        }
                    }
                }
                assertEquals(0, adversary.awaitExit(STARTUP), "adversary exit code");
            }
            assertTrue(failures.isEmpty(), "attacks answered wrongly (seed " + SEED + "): " + failures);
            assertEquals(13 * ROUNDS, attacks);

            String done = good.awaitLine(Duration.ofMillis(goodMillis + 60_000));
            assertNotNull(done, "the well-behaved worker printed nothing");
            assertTrue(done.startsWith("DONE"), "the well-behaved worker: " + done);
            assertEquals(0, good.awaitExit(STARTUP));

            assertNull(manager.fatalCause(), "the manager did not stop");
            try (PageStoreClient client = PageStoreClient.attach(directory, ClientOptions.defaults());
                    StatusView status = StatusView.observe(directory)) {
                byte[] page = WorkerMain.stamp(4096, 77, 1);
                client.write(77, page);
                assertArrayEquals(page, client.read(77), "the manager serves a new worker afterwards");
                assertTrue(StatusFigures.sumReactors(status, StatusRegionDescriptor.CHANNEL_FAULTS) >= 2L * ROUNDS,
                        "the two corrupted rings were counted as channel faults");
            }
        }
    }
}

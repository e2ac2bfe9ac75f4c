package dev.pagestore.torture.loop;

import dev.pagestore.manager.ManagerConfig;
import dev.pagestore.torture.PageOperation;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Loop 1: the manager SIGKILLed under mixed load from worker processes. A round is one store, {@value #WORKERS}
 * {@link TortureWorker} processes of {@value ProcessStore#THREADS_PER_WORKER} writers each (single-page writes and
 * reads of shared pages, atomic batches of their own pages), and {@value #KILLS_PER_ROUND} kills of its manager,
 * each either while it serves (after 50-1500 ms; checkpoints run every {@value #CHECKPOINT_MILLIS} ms, so kills land
 * inside them; every other store (odd seeds) has 1 MiB WAL segments, so that they are made, switched and recycled under the
 * kills) or 0-600 ms into a start not waited for (counted as inside start or recovery when the manager had not yet
 * said it serves). After each restart this loop reads every page; at the end of the round, every page once more with
 * the workers stopped. The workers' histories and these reads must show every page a linearizable register across
 * the kills: no acknowledged write lost, no damaged image, no partial batch. An iteration is one kill.
 */
final class KillLoop implements TortureLoop {
    static final int WORKERS = 3;
    static final int KILLS_PER_ROUND = 25;
    static final long CHECKPOINT_MILLIS = 100;

    @Override
    public String name() {
        return "kill";
    }

    @Override
    public LoopResult run(Budget budget, long seed, Path scratch, PrintStream out) throws Exception {
        Progress progress = new Progress(out, name());
        Map<String, Long> counts = LoopResult.zeroCounts("kills", "kills inside start or recovery",
                "acknowledged writes", "unknown writes", "reads", "lost or non-linearizable pages", "damaged reads",
                "partial batches", "failed restarts");
        List<String> failures = new ArrayList<>();
        long kills = 0;
        long round = 0;
        while (budget.allowsAnother(kills)) {
            long s = seed + round++;
            long before = kills;
            // every other store (odd seeds) has 1 MiB WAL segments, so that kills land while segments are made, switched and
            // recycled as well as while they fill
            long segmentBytes = Math.floorMod(s, 2) == 1 ? ManagerConfig.WAL_SEGMENT_SIZE_UNIT
                    : ManagerConfig.DEFAULT_WAL_SEGMENT_SIZE_BYTES;
            String failure = ProcessStore.runRound(scratch, CHECKPOINT_MILLIS, segmentBytes,
                    store -> runRound(s, store, budget, before, counts, progress, failures));
            kills = counts.get("kills");
            if (failure != null) {
                String line = "kill round seed " + s + " (kills " + (before + 1) + "-" + kills
                        + "; replay: --loops kill --seed " + s + " --iterations " + KILLS_PER_ROUND + "): " + failure;
                failures.add(line);
                out.println("  FAIL " + line);
            }
            if (kills == before) {
                break;  // a round that could not kill at all would loop for ever
            }
        }
        return new LoopResult(name(), kills, counts, failures, progress.seconds());
    }

    private static String runRound(long seed, ProcessStore store, Budget budget, long killsBefore,
            Map<String, Long> counts, Progress progress, List<String> failures) throws Exception {
        SplittableRandom random = new SplittableRandom(seed);
        List<PageOperation> history = new ArrayList<>();
        store.startManager(store.pagesFor(WORKERS));
        if (!store.awaitReady()) {
            return "the first manager did not start: see " + store.managerLog();
        }
        for (int w = 0; w < WORKERS; w++) {
            store.startWorker(w, random.nextLong());
        }
        int writers = WORKERS * ProcessStore.THREADS_PER_WORKER;
        for (int k = 0; k < KILLS_PER_ROUND && budget.allowsAnother(killsBefore + k); k++) {
            // One kill in five lands 0-600 ms into a start that was not waited for (inside the JVM's start, the
            // recovery or the end-of-recovery checkpoint); the others after 50-1500 ms of service.
            boolean inStart = random.nextInt(100) < 20;
            if (!inStart && !store.awaitReadyOrServing()) {
                counts.merge("failed restarts", 1L, Long::sum);
                return "the manager did not serve before kill " + (k + 1) + ": see " + store.managerLog();
            }
            Thread.sleep(inStart ? random.nextInt(600) : 50 + random.nextInt(1450));
            boolean served = store.servesNow();
            store.manager().kill9();
            counts.merge("kills", 1L, Long::sum);
            if (!served) {
                counts.merge("kills inside start or recovery", 1L, Long::sum);
            }
            store.startManager(store.pagesFor(WORKERS));
            if (!inStart || k == KILLS_PER_ROUND - 1) {
                if (!store.awaitReady()) {
                    counts.merge("failed restarts", 1L, Long::sum);
                    return "the manager did not restart after kill " + (k + 1) + ": see " + store.managerLog();
                }
                FinalReads.readAll(store.directory(), writers, history);
            }
            long kills = counts.get("kills");
            progress.maybe(() -> String.format("%,d kills, round %d, %d failures", kills, seed, failures.size()));
        }
        if (!store.manager().isAlive() || !store.awaitReadyOrServing()) {
            counts.merge("failed restarts", 1L, Long::sum);
            return "the manager does not serve at the end of the round: see " + store.managerLog();
        }
        long[] written = store.stopWorkers();
        counts.merge("acknowledged writes", written[0], Long::sum);
        counts.merge("unknown writes", written[1], Long::sum);
        if (written[0] == 0) {
            return "no write was acknowledged in the whole round: the load never ran";
        }
        Map<Integer, long[]> groups = FinalReads.readAll(store.directory(), writers, history);
        history.addAll(store.histories());
        int exit = store.manager().terminate(60_000);
        HistoryVerdict verdict = HistoryVerdict.of(history, groups);
        verdict.countInto(counts, history);
        if (!verdict.clean()) {
            return verdict.describe(5);
        }
        if (exit != 0) {
            return "the manager exited " + exit + " on SIGTERM at the end of the round: see " + store.managerLog();
        }
        return null;
    }
}

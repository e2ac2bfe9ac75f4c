package dev.pagestore.torture.loop;

import dev.pagestore.demo.ChildProcess;
import dev.pagestore.manager.ManagerConfig;
import dev.pagestore.torture.PageOperation;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Loop 4a: descriptor fuzzing into live channels. A manager process serves {@value #HONEST} honest
 * {@link TortureWorker} processes while hostile processes ({@code GarbageWorkerMain} of the page store's tests) write
 * random request descriptors straight into their own request rings, {@value #DESCRIPTORS_PER_HOSTILE} each: half
 * random bytes, half plausible (every opcode, flags, page counts, pages and slots in and out of range, reused ids,
 * past deadlines, broken batches). Every hostile request must get its final answer; the manager must never stop; the
 * honest histories must stay linearizable, with no damaged image and no partial batch; the manager must stop cleanly
 * at the end. An iteration is one hostile process's run; a store serves {@value #HOSTILE_PER_STORE}.
 */
final class FuzzLoop implements TortureLoop {
    static final int HONEST = 2;
    static final int HOSTILE_PER_STORE = 5;
    static final long DESCRIPTORS_PER_HOSTILE = 200_000;
    private static final int HOSTILE_PAGES = 64;

    @Override
    public String name() {
        return "fuzz";
    }

    @Override
    public LoopResult run(Budget budget, long seed, Path scratch, PrintStream out) throws Exception {
        Progress progress = new Progress(out, name());
        Map<String, Long> counts = LoopResult.zeroCounts("descriptors fuzzed", "answered INVALID", "answered OK",
                "manager crashes", "acknowledged writes", "reads", "lost or non-linearizable pages", "damaged reads",
                "partial batches", "hostile runs");
        List<String> failures = new ArrayList<>();
        long runs = 0;
        long round = 0;
        while (budget.allowsAnother(runs)) {
            long s = seed + round++;
            long before = runs;
            String failure = ProcessStore.runRound(scratch, 1_000, ManagerConfig.DEFAULT_WAL_SEGMENT_SIZE_BYTES,
                    store -> runStore(s, store, budget, before, counts, progress, failures));
            runs = counts.get("hostile runs");
            if (failure != null) {
                String line = "fuzz store seed " + s + " (replay: --loops fuzz --seed " + s + " --iterations "
                        + HOSTILE_PER_STORE + "): " + failure;
                failures.add(line);
                out.println("  FAIL " + line);
            }
            if (runs == before) {
                break;
            }
        }
        counts.remove("hostile runs");
        return new LoopResult(name(), runs, counts, failures, progress.seconds());
    }

    private static String runStore(long seed, ProcessStore store, Budget budget, long runsBefore,
            Map<String, Long> counts, Progress progress, List<String> failures) throws Exception {
        SplittableRandom random = new SplittableRandom(seed);
        long honestPages = store.pagesFor(HONEST);
        long capacity = honestPages + HOSTILE_PAGES;
        store.startManager(capacity);
        if (!store.awaitReady()) {
            return "the manager did not start: see " + store.managerLog();
        }
        for (int w = 0; w < HONEST; w++) {
            store.startWorker(w, random.nextLong());
        }
        for (int h = 0; h < HOSTILE_PER_STORE && budget.allowsAnother(runsBefore + h); h++) {
            Path log = store.directory().resolveSibling("logs").resolve("hostile-" + h + ".log");
            ChildProcess hostile = ChildProcess.start("hostile-" + h, List.of("-Xmx64m"),
                    "dev.pagestore.it.GarbageWorkerMain", List.of(store.directory().toString(),
                            Long.toString(DESCRIPTORS_PER_HOSTILE), Long.toString(random.nextLong()),
                            Long.toString(honestPages), Long.toString(capacity), "4096"), log);
            String last = null;
            String line;
            while ((line = hostile.poll(180_000)) != null) {
                last = line;
                if (line.startsWith("DONE") || line.startsWith("FAIL")) {
                    break;
                }
            }
            int exit = hostile.awaitExit(30_000);
            if (!store.manager().isAlive()) {
                counts.merge("manager crashes", 1L, Long::sum);
                return "the manager died during hostile run " + h + ": see " + store.managerLog();
            }
            if (last == null || !last.startsWith("DONE") || exit != 0) {
                return "hostile run " + h + " ended with exit " + exit + " and \"" + last + "\" (see " + log + ")";
            }
            counts.merge("descriptors fuzzed", field(last, "sent="), Long::sum);
            counts.merge("answered INVALID", field(last, "invalid="), Long::sum);
            counts.merge("answered OK", field(last, "ok="), Long::sum);
            counts.merge("hostile runs", 1L, Long::sum);
            long runs = counts.get("hostile runs");
            progress.maybe(() -> String.format("%,d hostile runs, %,d descriptors fuzzed, %d failures", runs,
                    counts.get("descriptors fuzzed"), failures.size()));
        }
        long[] written = store.stopWorkers();
        counts.merge("acknowledged writes", written[0], Long::sum);
        if (written[0] == 0) {
            return "the honest workers had no write acknowledged: the load never ran";
        }
        List<PageOperation> history = new ArrayList<>(store.histories());
        Map<Integer, long[]> groups = FinalReads.readAll(store.directory(), HONEST * ProcessStore.THREADS_PER_WORKER,
                history);
        int exit = store.manager().terminate(60_000);
        HistoryVerdict verdict = HistoryVerdict.of(history, groups);
        verdict.countInto(counts, history);
        if (!verdict.clean()) {
            return verdict.describe(5);
        }
        return exit == 0 ? null : "the manager exited " + exit + " on SIGTERM: see " + store.managerLog();
    }

    private static long field(String line, String name) {
        int at = line.indexOf(name) + name.length();
        int end = line.indexOf(' ', at);
        return Long.parseLong(end < 0 ? line.substring(at) : line.substring(at, end));
    }
}

package dev.pagestore.torture.loop;

import dev.pagestore.manager.ManagerConfig;
import dev.pagestore.torture.PageOperation;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Loop 6: the soak. One manager process serves for the whole run, checkpointing every second, under worker churn:
 * each phase (20 s by default) starts {@value #WORKERS} new worker processes and stops them at its end.
 * Every 2 s the manager's resident memory, descriptors and threads, the {@code /dev/shm} entries and the WAL's
 * segments are sampled; the maxima of the run's second half must not exceed those of its first half beyond small
 * bounds ({@link ResourceSample#growth}). Each phase's history is checked as it ends (every page a linearizable
 * register, no damaged image, no partial batch), starting from the values the last phase's final reads found. An
 * iteration is a phase.
 */
final class SoakLoop implements TortureLoop {
    static final int WORKERS = 3;
    static final int MAX_PHASES = 1_000;
    private static final long SAMPLE_MILLIS = 2_000;
    private static final int CARRIED = -1;

    private final long phaseMillis;

    /** Phases of {@code phaseMillis} (at least 4 s: two samples). */
    SoakLoop(long phaseMillis) {
        if (phaseMillis < 2 * SAMPLE_MILLIS) {
            throw new IllegalArgumentException("a soak phase of " + phaseMillis + " ms is shorter than two samples ("
                    + 2 * SAMPLE_MILLIS + " ms)");
        }
        this.phaseMillis = phaseMillis;
    }

    @Override
    public String name() {
        return "soak";
    }

    @Override
    public LoopResult run(Budget budget, long seed, Path scratch, PrintStream out) throws Exception {
        Progress progress = new Progress(out, name());
        Map<String, Long> counts = LoopResult.zeroCounts("phases", "worker processes", "acknowledged writes", "reads",
                "lost or non-linearizable pages", "damaged reads", "partial batches", "manager stops",
                "max resident KiB", "max descriptors", "max threads", "max /dev/shm entries", "max WAL segments");
        List<String> failures = new ArrayList<>();
        SplittableRandom random = new SplittableRandom(seed);
        // The manager's heap is committed and touched whole at start, so that resident memory does not grow as the
        // heap does: any growth the samples show is the manager's own, native or leaked.
        ProcessStore store = new ProcessStore(Files.createTempDirectory(scratch, "s"), 1_000,
                ManagerConfig.DEFAULT_WAL_SEGMENT_SIZE_BYTES, List.of("-Xms256m", "-Xmx256m", "-XX:+AlwaysPreTouch"));
        List<ResourceSample> samples = new ArrayList<>();
        long phase = 0;
        try {
            int writersPerPhase = WORKERS * ProcessStore.THREADS_PER_WORKER;
            store.startManager(PageWorkload.pagesFor(MAX_PHASES * writersPerPhase));
            if (!store.awaitReady()) {
                failures.add("soak seed " + seed + ": the manager did not start: see " + store.managerLog());
                return new LoopResult(name(), 0, counts, failures, progress.seconds());
            }
            Map<Long, Long> carried = new HashMap<>();
            Path wal = store.directory().resolve("wal");
            while (budget.allowsAnother(phase) && phase < MAX_PHASES && failures.isEmpty()) {
                long phaseStart = System.nanoTime();
                for (int w = 0; w < WORKERS; w++) {
                    store.startWorker((int) phase * WORKERS + w, random.nextLong());
                }
                counts.merge("worker processes", (long) WORKERS, Long::sum);
                while (System.nanoTime() - phaseStart < phaseMillis * 1_000_000L) {
                    Thread.sleep(SAMPLE_MILLIS);
                    if (!store.manager().isAlive()) {
                        counts.merge("manager stops", 1L, Long::sum);
                        failures.add("soak seed " + seed + " phase " + phase + ": the manager stopped: see "
                                + store.managerLog());
                        break;
                    }
                    samples.add(ResourceSample.of(store.manager().pid(), wal));
                }
                if (!failures.isEmpty()) {
                    break;
                }
                long[] written = store.stopWorkers();
                counts.merge("acknowledged writes", written[0], Long::sum);
                if (written[0] == 0) {
                    failures.add("soak seed " + seed + " phase " + phase + ": no write was acknowledged");
                    break;
                }
                List<PageOperation> history = new ArrayList<>(store.takeHistories());
                long before = phaseStart - 1;
                carried.forEach((page, value) -> history.add(PageOperation.write(CARRIED, page, value, before, before,
                        PageOperation.Outcome.OK)));
                List<PageOperation> reads = new ArrayList<>();
                int writers = (int) (phase + 1) * writersPerPhase;
                Map<Integer, long[]> groups = FinalReads.readAll(store.directory(), writers, reads);
                history.addAll(reads);
                HistoryVerdict verdict = HistoryVerdict.of(history, groups);
                verdict.countInto(counts, history);
                if (!verdict.clean()) {
                    failures.add("soak seed " + seed + " phase " + phase + " (logs: " + store.directory().getParent()
                            + "): " + verdict.describe(5));
                }
                carried.clear();
                for (PageOperation read : reads) {
                    if (read.value() != PageOperation.INITIAL && read.value() != Stamps.DAMAGED) {
                        carried.put(read.page(), read.value());
                    }
                }
                phase++;
                counts.put("phases", phase);
                long n = phase;
                ResourceSample last = samples.isEmpty() ? null : samples.getLast();
                progress.maybe(() -> String.format("%,d phases, %,d acknowledged writes, manager %s, %d failures", n,
                        counts.get("acknowledged writes"), last, failures.size()));
            }
            String growth = growth(samples);
            if (growth != null) {
                failures.add("soak seed " + seed + ": the manager's resources grew in the second half of the run: "
                        + growth);
            }
            ResourceSample max = samples.stream().reduce(null, ResourceSample::max, ResourceSample::max);
            if (max != null) {
                counts.put("max resident KiB", max.rssKiB());
                counts.put("max descriptors", max.descriptors());
                counts.put("max threads", max.threads());
                counts.put("max /dev/shm entries", max.shmEntries());
                counts.put("max WAL segments", max.walSegments());
            }
            int exit = store.manager().terminate(60_000);
            if (exit != 0 && failures.isEmpty()) {
                failures.add("soak seed " + seed + ": the manager exited " + exit + " on SIGTERM: see "
                        + store.managerLog());
            }
        } catch (Exception | AssertionError e) {
            failures.add("soak seed " + seed + " phase " + phase + " (logs: " + store.directory().getParent() + "): "
                    + e);
        } finally {
            store.destroyAll();
        }
        for (String failure : failures) {
            out.println("  FAIL " + failure);
        }
        if (failures.isEmpty()) {
            TortureFiles.deleteTree(store.directory().getParent());
        }
        return new LoopResult(name(), phase, counts, failures, progress.seconds());
    }

    /** The growth from the run's first half to its second (maxima of each), or null; a first phase warms up. */
    private String growth(List<ResourceSample> samples) {
        int warm = (int) (phaseMillis / SAMPLE_MILLIS);
        if (samples.size() < warm + 4) {
            return null;  // too short to tell a trend from warming up
        }
        List<ResourceSample> measured = samples.subList(warm, samples.size());
        int half = measured.size() / 2;
        ResourceSample first = measured.subList(0, half).stream().reduce(null, ResourceSample::max,
                ResourceSample::max);
        ResourceSample second = measured.subList(half, measured.size()).stream().reduce(null, ResourceSample::max,
                ResourceSample::max);
        return ResourceSample.growth(first, second);
    }
}

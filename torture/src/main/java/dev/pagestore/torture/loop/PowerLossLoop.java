package dev.pagestore.torture.loop;

import dev.pagestore.client.ClientOptions;
import dev.pagestore.client.PageStoreClient;
import dev.pagestore.manager.DeviceFactory;
import dev.pagestore.manager.ManagerConfig;
import dev.pagestore.manager.PageStoreManager;
import dev.pagestore.nvme.BlockDevice;
import dev.pagestore.torture.PageOperation;
import dev.pagestore.wal.SimulatedLogDirectory;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Loop 2: power loss on the simulated controller with a volatile write cache. For each seed a whole store runs
 * in this process, its data file and its WAL on one simulated machine ({@link SimulatedLogDirectory}): every file a
 * controller with a volatile cache, one power switch. Writer threads load it through a real client and shared
 * memory; at a random instant the power goes (after a random time, or after a random number of device steps, so
 * that it falls between a command's submission and its completion), which drops what the caches had not flushed, or
 * tears it at sector granularity (half the seeds; 512 B or 4 KiB sectors), loses every completion in flight and
 * stops the manager. The machine restarts, the manager recovers, and the cycle repeats; at the end every page is
 * read with nothing running. The writers' histories and those reads must show every page a linearizable register
 * (every acknowledged write there), no damaged image and no partial batch.
 *
 * <p>A seed replays the machine's decisions (cache sizes, write-back, when the cut is armed); the threads' timing
 * is the scheduler's.
 */
final class PowerLossLoop implements TortureLoop {
    private static final int CYCLES = 3;
    private static final int WRITERS = 3;
    private static final int PAGE_SIZE = 4096;
    private static final long WAL_FILE_BYTES = 64L << 20;
    private static final Duration TIMEOUT = Duration.ofSeconds(2);
    private static final long STOP_WAIT_MILLIS = 30_000;

    @Override
    public String name() {
        return "power";
    }

    @Override
    public LoopResult run(Budget budget, long seed, Path scratch, PrintStream out) throws Exception {
        Progress progress = new Progress(out, name());
        Map<String, Long> counts = LoopResult.zeroCounts("power cuts", "acknowledged writes", "unknown writes", "reads",
                "cached blocks lost", "lost or non-linearizable pages", "damaged reads", "partial batches", "hangs");
        List<String> failures = new ArrayList<>();
        long done = 0;
        while (budget.allowsAnother(done)) {
            long s = seed + done;
            String failure;
            try {
                failure = runSeed(s, scratch, counts);
            } catch (Exception | AssertionError e) {
                failure = e.toString();
            }
            done++;
            if (failure != null) {
                String line = "power seed " + s + " (replay: --loops power --seed " + s + " --iterations 1): "
                        + failure;
                failures.add(line);
                out.println("  FAIL " + line);
            }
            long n = done;
            progress.maybe(() -> String.format("%,d seeds, %,d cuts, %,d acknowledged writes, %d failures", n,
                    counts.get("power cuts"), counts.get("acknowledged writes"), failures.size()));
        }
        if (done >= 3 && counts.get("acknowledged writes") == 0) {
            failures.add("power: no write was acknowledged in " + done + " seeds: the load never ran");
        }
        return new LoopResult(name(), done, counts, failures, progress.seconds());
    }

    /** One seed: {@value #CYCLES} power cuts under load, then the final reads and the checks; null when clean. */
    private String runSeed(long seed, Path scratch, Map<String, Long> counts) throws Exception {
        SplittableRandom random = new SplittableRandom(seed);
        int[] caches = {16, 256, 16_384};
        // 4 KiB sectors for three seeds in four (a 4Kn drive, and 8 times fewer cached blocks to simulate), 512 B for
        // the rest: a torn write tears at a sector.
        int sector = random.nextInt(4) == 0 ? 512 : 4096;
        SimulatedLogDirectory.Settings settings = SimulatedLogDirectory.Settings.of(seed, WAL_FILE_BYTES)
                .withBlockSizeBytes(sector)
                .withMaxTransferBytes(Math.max(4096, sector))
                .withCacheBlocks(caches[random.nextInt(caches.length)])
                .withRandomWriteBack(random.nextBoolean());
        Path directory = Files.createTempDirectory(scratch, "p");
        AtomicReference<SimulatedLogDirectory> machine = new AtomicReference<>(new SimulatedLogDirectory(settings));
        SimulatedLogDirectory first = machine.get();
        List<PageOperation> history = Collections.synchronizedList(new ArrayList<>());
        long[] sequences = new long[WRITERS];
        ManagerConfig config = ManagerConfig.defaults(directory).withCreateStore(true)
                .withCapacityPages(PageWorkload.pagesFor(WRITERS))
                .withCheckpointIntervalMillis(20 + random.nextInt(200))
                // 1 MiB WAL segments three seeds in four, so that cuts land while segments are made, switched and
                // recycled; drawn apart from the machine's decisions, which stay what they were for every seed
                .withWalSegmentSizeBytes(new SplittableRandom(~seed).nextInt(4) == 0
                        ? ManagerConfig.DEFAULT_WAL_SEGMENT_SIZE_BYTES : ManagerConfig.WAL_SEGMENT_SIZE_UNIT)
                .withBackend(dataDevice(machine))
                .withWalIo((walDirectory, data) -> machine.get());
        try {
            for (int cycle = 0; cycle < CYCLES; cycle++) {
                String hang = cycle(config, machine.get(), random, history, sequences, counts);
                if (hang != null) {
                    counts.merge("hangs", 1L, Long::sum);
                    return "cycle " + cycle + ": " + hang;
                }
                counts.merge("power cuts", 1L, Long::sum);
                counts.merge("cached blocks lost", machine.get().blocksLost(), Long::sum);
                machine.set(machine.get().reopen());
            }
            Map<Integer, long[]> groups = finalReads(config, history);
            HistoryVerdict verdict = HistoryVerdict.of(history, groups);
            verdict.countInto(counts, history);
            return verdict.clean() ? null : verdict.describe(5);
        } finally {
            first.close();
            TortureFiles.deleteTree(directory);
        }
    }

    /** The data file as a device of {@code machine}'s current life, on its power switch. */
    private static DeviceFactory dataDevice(AtomicReference<SimulatedLogDirectory> machine) {
        return new DeviceFactory() {
            @Override
            public BlockDevice open(Path path, long capacityBytes) throws IOException {
                return machine.get().attachedDevice("data.pages", path, capacityBytes);
            }

            @Override
            public String name() {
                return "simulated-with-volatile-cache";
            }
        };
    }

    /** A manager's life from start (recovery) to a power cut; a description of what hung, or null. */
    private static String cycle(ManagerConfig config, SimulatedLogDirectory life, SplittableRandom random,
            List<PageOperation> history, long[] sequences, Map<String, Long> counts) throws Exception {
        PageStoreManager manager = PageStoreManager.start(config);
        PageStoreClient client = null;
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> writers = new ArrayList<>();
        try {
            client = PageStoreClient.attach(config.directory(), ClientOptions.defaults().withDefaultTimeout(TIMEOUT));
            PageStoreClient attached = client;
            AtomicReference<Throwable> died = new AtomicReference<>();
            PageWorkload[] workloads = new PageWorkload[WRITERS];
            for (int w = 0; w < WRITERS; w++) {
                workloads[w] = new PageWorkload(0, w, sequences[w], PAGE_SIZE, random.nextLong(), TIMEOUT,
                        history::add);
                PageWorkload load = workloads[w];
                writers.add(Thread.ofPlatform().name("torture-power-writer-" + w).start(() -> {
                    try {
                        while (!stop.get()) {
                            load.step(attached);
                        }
                    } catch (Throwable e) {
                        died.compareAndSet(null, e);
                    }
                }));
            }
            if (random.nextBoolean()) {
                life.powerFailAfterSteps(50 + random.nextInt(5_000));
                long until = System.nanoTime() + 2_000_000_000L;  // under load the armed cut lands well within this
                while (!life.isPowerCut() && System.nanoTime() - until < 0) {
                    Thread.sleep(1);
                }
            } else {
                Thread.sleep(5 + random.nextInt(300));
            }
            life.powerFail();
            stop.set(true);  // calls in flight end as they may; none start after the cut
            for (Thread t : writers) {
                t.join(STOP_WAIT_MILLIS);
                if (t.isAlive()) {
                    return t.getName() + " still running " + STOP_WAIT_MILLIS + " ms after the power cut";
                }
            }
            if (died.get() != null) {
                return "a writer died: " + died.get();
            }
            client.close();
            // The manager stops by itself if the cut met its I/O; an idle one learns of it here. Either way the stop
            // must end: its shutdown checkpoint fails on the dead devices, and nothing of it may reach the media.
            manager.close();
            if (!manager.awaitStopped(STOP_WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
                return "the manager's stop still running " + STOP_WAIT_MILLIS + " ms after the power cut";
            }
            for (int w = 0; w < WRITERS; w++) {
                sequences[w] = workloads[w].sequence();
                counts.merge("acknowledged writes", workloads[w].acknowledged(), Long::sum);
                counts.merge("unknown writes", workloads[w].unknown(), Long::sum);
            }
            return null;
        } finally {
            stop.set(true);
            life.powerFail();  // whatever happened, nothing more of this life reaches the media
            if (client != null) {
                client.close();
            }
            manager.close();
        }
    }

    /** After the last cut: recovery, then every page read with nothing running; each writer's group's values. */
    private static Map<Integer, long[]> finalReads(ManagerConfig config, List<PageOperation> history)
            throws Exception {
        try (PageStoreManager manager = PageStoreManager.start(config)) {
            return FinalReads.readAll(config.directory(), WRITERS, history);
        }
    }
}

package dev.pagestore.torture.loop;

import dev.pagestore.client.ClientOptions;
import dev.pagestore.client.ErrorCode;
import dev.pagestore.client.PageStoreClient;
import dev.pagestore.client.PageStoreException;
import dev.pagestore.manager.DeviceFactory;
import dev.pagestore.manager.ManagerConfig;
import dev.pagestore.manager.PageStoreManager;
import dev.pagestore.nvme.BlockDevice;
import dev.pagestore.nvme.sim.SimulatedNvmeDevice;
import dev.pagestore.wal.SimulatedLogDirectory;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Loop 3: the device fault matrix through the simulated controller. Every {@link FaultCell} runs on a new store in
 * this process (the data file on a simulated controller, the WAL on a simulated machine): the fault is injected, reads
 * and writes meet it, and each call must end, within its deadline and a little more, with success or with one of the
 * typed errors the cell allows; afterwards, with the fault gone, the store must serve every page as last written, or,
 * where the cell says so, have stopped by itself and said why. An iteration is one pass over every cell, from its own
 * seed.
 */
final class FaultMatrixLoop implements TortureLoop {
    private static final int PAGES = 16;
    private static final int PAGE_SIZE = 4096;
    private static final Duration TIMEOUT = Duration.ofMillis(1_000);
    private static final long HANG_SLACK_NANOS = 3_000_000_000L;

    @Override
    public String name() {
        return "faults";
    }

    @Override
    public LoopResult run(Budget budget, long seed, Path scratch, PrintStream out) throws Exception {
        Progress progress = new Progress(out, name());
        Map<String, Long> counts = LoopResult.zeroCounts("cells", "calls", "calls ok", "typed errors", "wrong outcomes",
                "hangs", "stores that did not serve afterwards", "stops the cell expected");
        List<String> failures = new ArrayList<>();
        long done = 0;
        while (budget.allowsAnother(done)) {
            long s = seed + done;
            for (FaultCell cell : FaultCell.values()) {
                String failure;
                try {
                    failure = runCell(cell, s, scratch, counts);
                } catch (Exception | AssertionError e) {
                    failure = e.toString();
                }
                counts.merge("cells", 1L, Long::sum);
                if (failure != null) {
                    String line = "faults cell " + cell + " (" + cell.description() + ") seed " + s
                            + " (replay: --loops faults --seed " + s
                            + " --iterations 1): " + failure;
                    failures.add(line);
                    out.println("  FAIL " + line);
                }
            }
            done++;
            long n = done;
            progress.maybe(() -> String.format("%,d passes over %d cells, %,d calls, %d failures", n,
                    FaultCell.values().length, counts.get("calls"), failures.size()));
        }
        return new LoopResult(name(), done, counts, failures, progress.seconds());
    }

    private static String runCell(FaultCell cell, long seed, Path scratch, Map<String, Long> counts)
            throws Exception {
        Path directory = Files.createTempDirectory(scratch, "f");
        AtomicReference<SimulatedNvmeDevice> data = new AtomicReference<>();
        SimulatedLogDirectory machine = new SimulatedLogDirectory(SimulatedLogDirectory.Settings.of(seed, 64L << 20)
                .withCacheBlocks(1 << 20));
        ManagerConfig config = ManagerConfig.defaults(directory).withCreateStore(true).withCapacityPages(PAGES)
                .withCheckpointIntervalMillis(0).withBackend(new DeviceFactory() {
                    @Override
                    public BlockDevice open(Path path, long capacityBytes) throws IOException {
                        SimulatedNvmeDevice device = SimulatedNvmeDevice.builder().name("sim-data")
                                .capacityBytes(capacityBytes).seed(seed).backingFile(path).build();
                        data.set(device);
                        return device;
                    }

                    @Override
                    public String name() {
                        return "simulated";
                    }
                }).withWalIo((walDirectory, backend) -> machine);
        PageStoreManager manager = PageStoreManager.start(config);
        try (PageStoreClient client = PageStoreClient.attach(directory, ClientOptions.defaults()
                .withDefaultTimeout(TIMEOUT))) {
            byte[][] written = new byte[PAGES][];
            byte[][] maybe = new byte[PAGES][];
            for (int page = 0; page < PAGES; page++) {
                written[page] = Stamps.image(PAGE_SIZE, page, Stamps.value(1, page + 1));
                client.write(page, written[page]);
            }
            FaultCell.Faults faults = new FaultCell.Faults(data.get().faults(), machine,
                    machine.simulatedDevice(dev.pagestore.wal.WalSegmentDescriptor.fileName(0)).faults());
            cell.inject(faults);
            List<String> problems = new ArrayList<>();
            FaultCell.CellCalls calls = (what, call) -> {
                long start = System.nanoTime();
                counts.merge("calls", 1L, Long::sum);
                try {
                    call.run();
                    counts.merge("calls ok", 1L, Long::sum);
                } catch (PageStoreException e) {
                    counts.merge("typed errors", 1L, Long::sum);
                    if (!cell.allows(e.code())) {
                        counts.merge("wrong outcomes", 1L, Long::sum);
                        problems.add(what + " ended " + e.code() + " (" + e.getMessage() + ")");
                    }
                } catch (RuntimeException e) {
                    counts.merge("wrong outcomes", 1L, Long::sum);
                    problems.add(what + ": " + e);
                }
                long took = System.nanoTime() - start;
                if (took > TIMEOUT.toNanos() + HANG_SLACK_NANOS) {
                    counts.merge("hangs", 1L, Long::sum);
                    problems.add(what + " took " + took / 1_000_000 + " ms, deadline " + TIMEOUT.toMillis() + " ms");
                }
            };
            if (cell == FaultCell.WAL_NO_SPACE) {
                fillTheLog(client, calls, problems, written, maybe);
            }
            FaultCell.exercise(client, written, maybe, TIMEOUT, calls);
            if (cell != FaultCell.SPURIOUS_COMPLETION && cell != FaultCell.WAL_NO_SPACE
                    && faults.data().injectedCount() + faults.walDevice().injectedCount() == 0) {
                problems.add("the fault never fired: the cell tested nothing");
            }
            cell.after(faults);
            faults.data().clear();
            faults.walDevice().clear();
            if (cell.stopsTheManager()) {
                if (!manager.awaitStopped(30, TimeUnit.SECONDS) || manager.fatalCause() == null) {
                    problems.add("the manager did not stop by itself, or gave no reason");
                } else {
                    counts.merge("stops the cell expected", 1L, Long::sum);
                }
            } else {
                if (cell == FaultCell.WAL_NO_SPACE) {
                    manager.checkpoint();  // hands segments back: the log has room again
                }
                String served = servesAfterwards(client, written, maybe);
                if (served != null || manager.fatalCause() != null) {
                    counts.merge("stores that did not serve afterwards", 1L, Long::sum);
                    problems.add("afterwards: " + (served != null ? served : "the manager stopped: "
                            + manager.fatalCause()));
                }
            }
            return problems.isEmpty() ? null : String.join("; ", problems.subList(0, Math.min(5, problems.size())));
        } finally {
            manager.close();
            manager.awaitStopped(30, TimeUnit.SECONDS);
            machine.close();
            TortureFiles.deleteTree(directory);
        }
    }

    /** Writes until the log needs a segment the full file system cannot give (NO_SPACE), at most 60 s. */
    private static void fillTheLog(PageStoreClient client, FaultCell.CellCalls calls, List<String> problems,
            byte[][] written, byte[][] maybe) {
        long[] pages = new long[16];
        byte[][] images = new byte[16][];
        for (int i = 0; i < pages.length; i++) {
            pages[i] = i;
            images[i] = Stamps.image(PAGE_SIZE, i, Stamps.value(9, i + 1));
        }
        long until = System.nanoTime() + 60_000_000_000L;
        boolean[] full = {false};
        while (!full[0] && System.nanoTime() < until) {
            try {
                client.writeBatch(pages, images, TIMEOUT);
                System.arraycopy(images, 0, written, 0, images.length);
            } catch (PageStoreException e) {
                // A batch that waited for space until its deadline may still be logged once there is room again.
                full[0] = e.code() == ErrorCode.NO_SPACE || e.code() == ErrorCode.TIMEOUT;
                if (e.code() == ErrorCode.TIMEOUT) {
                    System.arraycopy(images, 0, maybe, 0, images.length);
                }
                if (!full[0]) {
                    problems.add("a batch while the log filled ended " + e.code());
                    return;
                }
            }
        }
        if (!full[0]) {
            problems.add("60 s of writes never met the full file system");
        }
        calls.call("write after the log is full", () -> {
            try {
                client.write(0, images[0], TIMEOUT);
            } catch (PageStoreException e) {
                if (e.code() != ErrorCode.NO_SPACE && e.code() != ErrorCode.TIMEOUT) {
                    throw e;
                }
            }
        });
    }

    private static String servesAfterwards(PageStoreClient client, byte[][] written, byte[][] maybe) {
        try {
            byte[] image = Stamps.image(PAGE_SIZE, 0, Stamps.value(3, 77));
            client.write(0, image, Duration.ofSeconds(5));
            written[0] = image;
            maybe[0] = null;
            for (int page = 0; page < written.length; page++) {
                byte[] data = client.read(page, Duration.ofSeconds(5));
                if (!Arrays.equals(data, written[page]) && !Arrays.equals(data, maybe[page])) {
                    return "page " + page + " does not read as last written (value " + Stamps.valueOf(data, page)
                            + ")";
                }
            }
            return null;
        } catch (PageStoreException e) {
            return e.code() + ": " + e.getMessage();
        }
    }
}

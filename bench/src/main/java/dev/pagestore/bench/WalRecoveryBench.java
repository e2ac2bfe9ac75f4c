package dev.pagestore.bench;

import dev.pagestore.wal.LogDirectory;
import dev.pagestore.wal.PageReplayer;
import dev.pagestore.wal.RecoveryReport;
import dev.pagestore.wal.WalConfig;
import dev.pagestore.wal.WalRecovery;
import dev.pagestore.wal.WriteAheadLog;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

/**
 * WalBench's recovery part: writes a WAL of the given size, then times its recovery scan (read with {@code O_DIRECT},
 * CRC-checked) against {@code fio --rw=read --bs=1M --direct=1} over the same segment files, run by run.
 */
final class WalRecoveryBench {
    private WalRecoveryBench() {
    }

    static void run(Path root, long mebibytes, int runs) throws Exception {
        Path directory = root.resolve("recovery");
        int pageSize = 8192;
        WalConfig config = WalConfig.defaults(pageSize);
        long target = mebibytes << 20;
        long pages = 0;
        long writeStarted = System.nanoTime();
        try (WriteAheadLog wal = WriteAheadLog.open(WalBenchDirectories.walDirectory(directory), config, PageReplayer.NONE);
             Arena arena = Arena.ofShared()) {
            int group = config.maxPagesPerGroup();
            MemorySegment[] images = new MemorySegment[group];
            for (int i = 0; i < group; i++) {
                images[i] = arena.allocate(pageSize, 4096);
                images[i].fill((byte) i);
            }
            List<CompletableFuture<Long>> inFlight = new ArrayList<>();
            while (wal.durableLsn() < target) {
                long[] numbers = new long[group];
                for (int i = 0; i < group; i++) {
                    numbers[i] = (pages++) % 100_000; // 100,000 distinct pages, each logged several times
                }
                inFlight.add(wal.appendGroup(numbers, images));
                if (inFlight.size() == 32) {
                    inFlight.forEach(CompletableFuture::join);
                    inFlight.clear();
                }
            }
            inFlight.forEach(CompletableFuture::join);
        }
        System.out.printf("recovery: wrote a %d MiB WAL (%d page images) in %.1f s%n", mebibytes, pages,
                (System.nanoTime() - writeStarted) / 1e9);

        List<String> segments;
        try (Stream<Path> files = Files.list(directory)) {
            segments = files.map(Path::toString).filter(n -> n.endsWith(".wal")).sorted().toList();
        }
        List<Double> walRates = new ArrayList<>();
        List<Double> fioRates = new ArrayList<>();
        List<Double> totalSeconds = new ArrayList<>();
        RecoveryReport last = null;
        List<Double> pairRatios = new ArrayList<>();
        for (int run = 0; run < runs; run++) {
            // the pair's order alternates: whichever reads second may find the files in the host's cache
            boolean fioFirst = run % 2 == 0;
            double fio = fioFirst ? fioSequentialRead(segments) : -1;
            long[] applied = {0};
            long started = System.nanoTime();
            LogDirectory direct = WalBenchDirectories.recoveryDirectory(directory);
            last = WalRecovery.recover(direct, config, WalRecovery.redoLsn(direct, config),
                    (page, image, lsn) -> applied[0]++);
            totalSeconds.add((System.nanoTime() - started) / 1e9);
            double scan = last.bytesScanned() / (last.scanNanos() / 1e9) / (1 << 20);
            walRates.add(scan);
            fio = fioFirst ? fio : fioSequentialRead(segments);
            fioRates.add(fio);
            pairRatios.add(scan / fio);
        }
        System.out.printf("fio --rw=read --bs=1M --direct=1 over the segments: %.0f MiB/s (median) %s%n",
                Medians.of(fioRates), fioRates);
        System.out.printf("WAL recovery scan (O_DIRECT, CRC-checked, %s): %.0f MiB/s (median) %s; %s%n", WalBenchDirectories.DIRECTORY_KIND,
                Medians.of(walRates), walRates, last);
        System.out.printf("WAL recovery scan / fio, pair by pair (fio first in runs 1, 3, ...; the scan first in runs "
                + "2, 4, ...): %.2f (median) %s%n", Medians.of(pairRatios),
                pairRatios.stream().map(x -> String.format("%.2f", x)).toList());
        System.out.printf("WAL recovery total incl. applying %d distinct pages once each: %.1f s (median); %d images "
                + "scanned%n", last.pagesApplied(), Medians.of(totalSeconds), last.pageImagesScanned());
        System.out.printf("fio --rw=write --bs=1M --direct=1 (sequential write bandwidth): %.0f MiB/s%n",
                Fio.sequentialWriteMiBPerSecond(root));
        WalBenchDirectories.deleteRecursively(directory);
    }

    /** {@code fio --rw=read --bs=1M --direct=1} over {@code segments} one after the other, in MiB/s. */
    private static double fioSequentialRead(List<String> segments) throws IOException, InterruptedException {
        String json = Fio.run(List.of("fio", "--name=seqread", "--rw=read", "--bs=1M", "--direct=1", "--readonly",
                "--file_service_type=sequential", "--filename=" + String.join(":", segments),
                "--output-format=json"));
        return Fio.value(json, "read", "bw_bytes") / (1 << 20);
    }
}

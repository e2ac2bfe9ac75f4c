package dev.pagestore.torture.loop;

import dev.pagestore.demo.ChildProcess;
import dev.pagestore.manager.ManagerConfig;
import dev.pagestore.torture.PageOperation;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Loop 4b: the WAL damaged before recovery. Each iteration loads a new store from two worker processes, kills its
 * manager (so the log holds every write since the start's checkpoint), does one {@link WalDamage} to the log, and
 * starts a manager on it. That start must either serve or refuse with exit code 1 and one line saying why, having
 * changed no file of the store; it must never crash. When it serves, every page must hold a whole image of a write
 * that was made (the log's damage may lose acknowledged writes, which is counted, but never apply a damaged or
 * foreign record) and no batch may be partial.
 */
final class WalCorruptionLoop implements TortureLoop {
    private static final int WORKERS = 2;

    @Override
    public String name() {
        return "wal";
    }

    @Override
    public LoopResult run(Budget budget, long seed, Path scratch, PrintStream out) throws Exception {
        Progress progress = new Progress(out, name());
        Map<String, Long> counts = LoopResult.zeroCounts("damaged logs", "starts that served", "starts refused",
                "manager crashes", "damaged or foreign values applied", "partial batches",
                "files changed by a refused start", "pages that lost acknowledged writes to the damage");
        for (WalDamage damage : WalDamage.values()) {
            counts.put(damage.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' '), 0L);
        }
        List<String> failures = new ArrayList<>();
        Path foreign = null;
        long done = 0;
        while (budget.allowsAnother(done)) {
            long s = seed + done;
            Path saved = scratch.resolve("foreign-" + s + ".wal");
            Path other = foreign;
            String failure = ProcessStore.runRound(scratch, 3_600_000, ManagerConfig.DEFAULT_WAL_SEGMENT_SIZE_BYTES,
                    store -> runOne(s, store, other, saved, counts));
            done++;
            if (foreign != null) {
                Files.deleteIfExists(foreign);
            }
            foreign = Files.exists(saved) ? saved : null;
            if (failure != null) {
                String line = "wal seed " + s + " (replay: --loops wal --seed " + s + " --iterations 1): " + failure;
                failures.add(line);
                out.println("  FAIL " + line);
            }
            long n = done;
            progress.maybe(() -> String.format("%,d damaged logs: %,d served, %,d refused, %d failures", n,
                    counts.get("starts that served"), counts.get("starts refused"), failures.size()));
        }
        if (foreign != null) {
            Files.deleteIfExists(foreign);
        }
        return new LoopResult(name(), done, counts, failures, progress.seconds());
    }

    private static String runOne(long seed, ProcessStore store, Path foreign, Path saveSegment,
            Map<String, Long> counts) throws Exception {
        SplittableRandom random = new SplittableRandom(seed);
        long capacity = store.pagesFor(WORKERS);
        store.startManager(capacity);
        if (!store.awaitReady()) {
            return "the first manager did not start: see " + store.managerLog();
        }
        for (int w = 0; w < WORKERS; w++) {
            store.startWorker(w, random.nextLong());
        }
        Thread.sleep(300 + random.nextInt(1200));
        store.stopWorkers();
        store.manager().kill9();
        List<PageOperation> history = new ArrayList<>(store.histories());

        Path wal = store.directory().resolve("wal");
        Files.copy(WalDamage.newestSegment(wal), saveSegment, StandardCopyOption.REPLACE_EXISTING);
        WalDamage damage = WalDamage.values()[random.nextInt(WalDamage.values().length)];
        String what = damage.apply(wal, foreign, random);
        counts.merge("damaged logs", 1L, Long::sum);
        counts.merge(damage.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' '), 1L, Long::sum);
        Map<String, String> before = digests(store.directory());

        ChildProcess manager = store.startManager(capacity);
        if (store.awaitReady()) {
            counts.merge("starts that served", 1L, Long::sum);
            counts.merge("served after recovery stopped at " + recoveryStop(store.managerLog()), 1L, Long::sum);
            Set<String> written = new HashSet<>();
            for (PageOperation op : history) {
                if (op.write()) {
                    written.add(op.page() + "/" + op.value());
                }
            }
            List<PageOperation> reads = new ArrayList<>();
            Map<Integer, long[]> groups = FinalReads.readAll(store.directory(), WORKERS
                    * ProcessStore.THREADS_PER_WORKER, reads);
            long applied = reads.stream().filter(op -> op.value() != PageOperation.INITIAL
                    && !written.contains(op.page() + "/" + op.value())).count();
            counts.merge("damaged or foreign values applied", applied, Long::sum);
            history.addAll(reads);
            HistoryVerdict verdict = HistoryVerdict.of(history, groups);
            counts.merge("partial batches", (long) verdict.partialBatches().size(), Long::sum);
            counts.merge("pages that lost acknowledged writes to the damage", (long) verdict.violations().size(),
                    Long::sum);
            int exit = manager.terminate(60_000);
            if (applied > 0 || !verdict.partialBatches().isEmpty()) {
                return "after " + what + ": " + applied + " read(s) of a value no write wrote; "
                        + verdict.partialBatches();
            }
            return exit == 0 ? null : "after " + what + " the manager exited " + exit + " on SIGTERM: see "
                    + store.managerLog();
        }
        int exit = manager.awaitExit(60_000);
        String reason = lastLine(store.managerLog(), "pagestore manager: ");
        if (exit == 1 && reason != null) {
            counts.merge("starts refused", 1L, Long::sum);
            if (!digests(store.directory()).equals(before)) {
                counts.merge("files changed by a refused start", 1L, Long::sum);
                return "after " + what + " a refused start changed the store's files (" + reason + ")";
            }
            return null;
        }
        counts.merge("manager crashes", 1L, Long::sum);
        return "after " + what + " the manager exited " + exit + " without serving (" + reason + "): see "
                + store.managerLog();
    }

    /** The digest of every regular file of the store but its lock files. */
    private static Map<String, String> digests(Path directory) throws IOException {
        Map<String, String> digests = new TreeMap<>();
        try (Stream<Path> files = Files.walk(directory)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                if (file.getFileName().toString().endsWith(".lock")) {
                    continue;
                }
                try {
                    MessageDigest sha = MessageDigest.getInstance("SHA-256");
                    digests.put(directory.relativize(file).toString(),
                            HexFormat.of().formatHex(sha.digest(Files.readAllBytes(file))));
                } catch (java.security.NoSuchAlgorithmException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return digests;
    }

    /** Why the manager's recovery stopped (END_OF_LOG, TORN_TAIL, ...), from its log. */
    private static String recoveryStop(Path log) throws IOException {
        String line = lastLine(log, null);
        for (String l : Files.readAllLines(log)) {
            int at = l.indexOf("; stopped: ");
            if (l.contains("recovery of ") && at >= 0) {
                line = l.substring(at + "; stopped: ".length()).split(" ")[0];
            }
        }
        return line == null ? "?" : line;
    }

    private static String lastLine(Path log, String prefix) throws IOException {
        String found = null;
        for (String line : Files.readAllLines(log)) {
            if (prefix == null || line.startsWith(prefix)) {
                found = line;
            }
        }
        return found;
    }
}

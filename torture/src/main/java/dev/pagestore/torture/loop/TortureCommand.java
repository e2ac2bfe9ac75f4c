package dev.pagestore.torture.loop;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code pagestore torture}: the reliability campaign's loops, each a count of what it checked and what failed. */
@Command(name = "pagestore torture", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Runs the reliability campaign's loops against real stores and reports what each checked. Every loop"
                    + " records the operations of its writers and checks every page as a linearizable register:"
                    + " every acknowledged write is there, every read returns a value a register may return, no"
                    + " image is torn and no atomic batch is partial.",
            "",
            "Loops:",
            "  power  power loss on the simulated controller with a volatile write cache (data file and WAL on one"
                    + " power switch), in this process; 3 cuts per seed; an iteration is a seed",
            "  kill   SIGKILL of a manager process under load from 3 worker processes, while it serves or inside its"
                    + " recovery; 25 kills per store; an iteration is a kill",
            "  faults the device fault matrix on the simulated controller, one new store per cell: read and write"
                    + " errors, transient errors a retry cures, lost, late, duplicate and spurious completions, held"
                    + " commands, short transfers, NO_SPACE on the data file and on the WAL, a failing WAL; an"
                    + " iteration is a pass over every cell",
            "  fuzz   hostile processes write random descriptors into their channels (200,000 each) while honest"
                    + " workers run; an iteration is a hostile process",
            "  wal    the WAL damaged before recovery (bit flips in records, headers and the control file,"
                    + " truncation, another store's segment, a segment from the future); an iteration is a damage",
            "  soak   one manager for the whole run, checkpoints every second, 3 new worker processes every phase;"
                    + " its memory, descriptors, threads, /dev/shm entries and WAL segments must not grow; an"
                    + " iteration is a phase (--soak-phase)",
            "  failover a replicated store (primary and standby on a local ZooKeeper and 3 bookies) under load from"
                    + " 2 worker processes that follow failovers; the primary SIGKILLed, the standby takes over, a new"
                    + " standby is made; 5 failovers per store; an iteration is a failover (its time is reported)",
            "",
            "Each loop runs until --iterations or --duration ends, prints a progress line every 5 s and a final"
                    + " count, and names the seed that replays each failure. Exit 0 when every loop passed, 1 when"
                    + " one failed, 2 for bad arguments."
        })
public final class TortureCommand implements Callable<Integer> {
    @Option(names = "--loops", split = ",", paramLabel = "NAME",
            description = "Which loops, comma-separated (default: all): ${COMPLETION-CANDIDATES}")
    List<LoopName> loops = new ArrayList<>(List.of(LoopName.values()));

    @Option(names = "--duration", paramLabel = "DURATION",
            description = "How long each loop runs, as 90s, 10m or 2h (default: 60s; --iterations may end it first)")
    String duration = "60s";

    @Option(names = "--iterations", paramLabel = "N",
            description = "At most this many iterations per loop (seeds, kills, ...); default: until --duration")
    long iterations = Budget.UNBOUNDED;

    @Option(names = "--seed", paramLabel = "SEED",
            description = "The first seed; iteration i of a loop runs seed + i (default: from the clock, printed)")
    Long seed;

    @Option(names = "--soak-phase", paramLabel = "DURATION",
            description = "How long each soak phase runs before its workers are replaced and its history checked"
                    + " (default: 20s)")
    String soakPhase = "20s";

    @Option(names = "--report", paramLabel = "FILE", description = "Also write the final report to FILE")
    Path report;

    @Option(names = "--scratch", paramLabel = "DIR",
            description = "Where the loops make their stores and logs (default: a new directory under /tmp, removed"
                    + " when every loop passed)")
    Path scratch;

    /** The loops, by command-line name. */
    enum LoopName {
        kill, power, faults, fuzz, wal, soak, failover;

        TortureLoop make(Duration soakPhase) {
            return switch (this) {
                case power -> new PowerLossLoop();
                case kill -> new KillLoop();
                case fuzz -> new FuzzLoop();
                case wal -> new WalCorruptionLoop();
                case soak -> new SoakLoop(soakPhase.toMillis());
                case faults -> new FaultMatrixLoop();
                case failover -> new FailoverLoop();
            };
        }
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private final PrintStream out;

    TortureCommand(PrintStream out) {
        this.out = out;
    }

    public static void main(String[] args) {
        CommandLine line = new CommandLine(new TortureCommand(System.out));
        System.exit(line.execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Duration perLoop;
        Duration phase;
        try {
            perLoop = parseDuration("--duration", duration);
            phase = parseDuration("--soak-phase", soakPhase);
            if (phase.toMillis() < 4_000) {
                throw new IllegalArgumentException("--soak-phase " + soakPhase + " is shorter than 4s (two samples)");
            }
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        if (iterations < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--iterations " + iterations
                    + " must be at least 1");
        }
        long firstSeed = seed != null ? seed : System.currentTimeMillis();
        boolean madeScratch = scratch == null;
        Path work = madeScratch ? Files.createTempDirectory("pagestore-torture-") : scratch;
        Files.createDirectories(work);
        // The stores' managers log to a file: the console is the campaign's.
        System.setProperty("org.slf4j.simpleLogger.logFile", work.resolve("torture.log").toString());
        out.printf("pagestore torture: loops %s, %s per loop%s, seed %d, scratch %s (logs: %s)%n", loops, duration,
                iterations == Budget.UNBOUNDED ? "" : " or " + iterations + " iterations", firstSeed, work,
                work.resolve("torture.log"));
        List<LoopResult> results = new ArrayList<>();
        for (LoopName name : loops) {
            Budget budget = new Budget(iterations, System.nanoTime() + perLoop.toNanos());
            out.printf("%s ...%n", name);
            LoopResult result = name.make(phase).run(budget, firstSeed, work, out);
            out.println(result.summary());
            results.add(result);
        }
        boolean passed = results.stream().allMatch(LoopResult::passed);
        String text = report(results, firstSeed, passed);
        out.print(text);
        if (report != null) {
            Files.writeString(report, text, StandardCharsets.UTF_8);
        }
        if (passed && madeScratch) {
            TortureFiles.deleteTree(work);
        }
        return passed ? 0 : 1;
    }

    private String report(List<LoopResult> results, long firstSeed, boolean passed) {
        StringBuilder text = new StringBuilder();
        text.append("\npagestore torture report, ").append(Instant.now()).append(", seed ").append(firstSeed)
                .append('\n');
        for (LoopResult result : results) {
            text.append(result.summary()).append('\n');
            for (String failure : result.failures()) {
                text.append("  FAIL ").append(failure).append('\n');
            }
        }
        text.append(passed ? "PASS: every loop passed\n" : "FAIL: see the failures above (each names its seed)\n");
        return text.toString();
    }

    static Duration parseDuration(String option, String text) {
        Map<String, Long> units = new LinkedHashMap<>();
        units.put("ms", 1L);
        units.put("s", 1_000L);
        units.put("m", 60_000L);
        units.put("h", 3_600_000L);
        for (Map.Entry<String, Long> unit : units.entrySet()) {
            String digits = text.endsWith(unit.getKey()) ? text.substring(0, text.length() - unit.getKey().length())
                    : null;
            if (digits != null && !digits.isEmpty() && digits.chars().allMatch(Character::isDigit)
                    && !(unit.getKey().equals("s") && text.endsWith("ms"))) {
                long amount = Long.parseLong(digits);
                if (amount > 0 && amount <= 10_000_000) {
                    return Duration.ofMillis(amount * unit.getValue());
                }
            }
        }
        throw new IllegalArgumentException(option + " " + text + " is not a positive duration such as 500ms, 90s, 10m"
                + " or 2h");
    }
}

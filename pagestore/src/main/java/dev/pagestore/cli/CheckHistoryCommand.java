package dev.pagestore.cli;

import dev.pagestore.torture.HistoryFile;
import dev.pagestore.torture.PageOperation;
import dev.pagestore.torture.RegisterChecker;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code pagestore check-history FILE...}: checks recorded histories with {@link RegisterChecker}. Exit 0 when every
 * page is a linearizable register, 1 when some page is not (each such page printed with its reason and operations),
 * 2 for unreadable or malformed input.
 */
@Command(name = "check-history",
        mixinStandardHelpOptions = true,
        description = {"Check that every page of the recorded histories behaves as a linearizable register: every"
                + " read returns the latest acknowledged write or one concurrent with it, across processes and"
                + " manager restarts; a write whose outcome is unknown may have happened or not, but never in part.",
                "Each FILE holds one worker's operations, one per line after the line '" + HistoryFile.HEADER
                        + "': PROCESS PAGE w|r VALUE INVOKE_NANOS COMPLETE_NANOS ok|failed|unknown, times from"
                        + " System.nanoTime() on one machine, and every write of a page writing its own value.",
                "Exit codes: 0 linearizable, 1 a page is not (each printed), 2 bad input."})
public final class CheckHistoryCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "FILE", arity = "1..*", description = "History files, checked together.")
    List<Path> files;

    @Option(names = "--show", defaultValue = "20", paramLabel = "N",
            description = "Print at most N violating pages (default ${DEFAULT-VALUE}).")
    int show;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (show < 0) {
            err.println("pagestore check-history: --show " + show + " must not be negative");
            return 2;
        }
        List<PageOperation> history = new ArrayList<>();
        for (Path file : files) {
            try {
                history.addAll(HistoryFile.read(file));
            } catch (NoSuchFileException e) {
                err.println("pagestore check-history: " + file + ": no such file");
                return 2;
            } catch (IOException e) {
                err.println("pagestore check-history: " + e.getMessage());
                return 2;
            }
        }
        List<RegisterChecker.Violation> violations;
        try {
            violations = new RegisterChecker().check(history);
        } catch (IllegalArgumentException e) {
            err.println("pagestore check-history: " + e.getMessage());
            return 2;
        }
        long pages = history.stream().mapToLong(PageOperation::page).distinct().count();
        if (violations.isEmpty()) {
            out.printf("%,d operations on %,d pages from %d file(s): every page is a linearizable register%n",
                    history.size(), pages, files.size());
            return 0;
        }
        out.printf("%,d operations on %,d pages from %d file(s): %,d page(s) NOT linearizable%n", history.size(),
                pages, files.size(), violations.size());
        for (RegisterChecker.Violation v : violations.subList(0, Math.min(show, violations.size()))) {
            out.printf("page %d: %s%n", v.page(), v.reason());
            for (PageOperation op : v.operations()) {
                out.println("    " + HistoryFile.line(op));
            }
        }
        return 1;
    }
}

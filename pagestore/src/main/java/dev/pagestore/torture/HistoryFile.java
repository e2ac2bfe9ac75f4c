package dev.pagestore.torture;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A worker's history as a text file, one {@link PageOperation} per line, so that histories from many processes and
 * runs can be kept, read by a person and checked together:
 *
 * <pre>
 * # pagestore history 1
 * PROCESS PAGE w|r VALUE INVOKE_NANOS COMPLETE_NANOS ok|failed|unknown
 * </pre>
 *
 * Fields are separated by single spaces; lines starting with {@code #} and empty lines are skipped. The first line
 * must be the header above.
 */
public final class HistoryFile {
    /** The first line of every history file. */
    public static final String HEADER = "# pagestore history 1";

    private HistoryFile() {
    }

    /** The line for {@code op}. */
    public static String line(PageOperation op) {
        return op.process() + " " + op.page() + " " + (op.write() ? "w" : "r") + " " + op.value() + " "
                + op.invokeNanos() + " " + op.completeNanos() + " " + op.outcome().name().toLowerCase(Locale.ROOT);
    }

    /**
     * Reads the operations of {@code file}.
     *
     * @throws IOException when it cannot be read, or a line is not an operation (the message names the file and line)
     */
    public static List<PageOperation> read(Path file) throws IOException {
        List<PageOperation> operations = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String first = in.readLine();
            if (!HEADER.equals(first)) {
                throw new IOException(file + ":1: not a pagestore history (the first line must be '" + HEADER
                        + "', found " + (first == null ? "an empty file" : "'" + first + "'") + ")");
            }
            int number = 1;
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                number++;
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                try {
                    operations.add(parse(line));
                } catch (IllegalArgumentException e) {
                    throw new IOException(file + ":" + number + ": " + e.getMessage() + " in '" + line + "'", e);
                }
            }
        }
        return operations;
    }

    private static PageOperation parse(String line) {
        String[] f = line.split(" ");
        if (f.length != 7) {
            throw new IllegalArgumentException(f.length + " fields, expected 7 (PROCESS PAGE w|r VALUE INVOKE_NANOS"
                    + " COMPLETE_NANOS ok|failed|unknown)");
        }
        boolean write = switch (f[2]) {
            case "w" -> true;
            case "r" -> false;
            default -> throw new IllegalArgumentException("kind '" + f[2] + "' is neither w nor r");
        };
        PageOperation.Outcome outcome = switch (f[6]) {
            case "ok" -> PageOperation.Outcome.OK;
            case "failed" -> PageOperation.Outcome.FAILED;
            case "unknown" -> PageOperation.Outcome.UNKNOWN;
            default -> throw new IllegalArgumentException("outcome '" + f[6] + "' is not ok, failed or unknown");
        };
        // NumberFormatException is an IllegalArgumentException: the caller names the line.
        return new PageOperation(Integer.parseInt(f[0]), Long.parseLong(f[1]), write, Long.parseLong(f[3]),
                Long.parseLong(f[4]), Long.parseLong(f[5]), outcome);
    }
}

package dev.pagestore.cli.doctor;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * The doctor's findings, in the order they were checked, and their rendering as aligned text:
 *
 * <pre>
 * [OK]   Java runtime        25.0.3+9-LTS (Eclipse Adoptium)
 * [WARN] CPUs                2 available to this process
 *                            → with fewer than 4 CPUs reactors and the WAL writer are not pinned to
 *                              cores ...
 * </pre>
 *
 * @param checks every check, in order; at least one
 */
public record DoctorReport(List<Check> checks) {

    /** Exit code when no check failed (warnings allowed). */
    public static final int EXIT_OK = 0;
    /** Exit code when at least one check failed. */
    public static final int EXIT_FAILED = 1;

    private static final String ADVICE_MARK = "→ ";

    public DoctorReport {
        checks = List.copyOf(checks);
        if (checks.isEmpty()) {
            throw new IllegalArgumentException("a report needs at least one check");
        }
    }

    public long count(Status status) {
        return checks.stream().filter(check -> check.status() == status).count();
    }

    public boolean hasFailures() {
        return count(Status.FAIL) > 0;
    }

    /** {@link #EXIT_FAILED} when something failed, else {@link #EXIT_OK}. */
    public int exitCode() {
        return hasFailures() ? EXIT_FAILED : EXIT_OK;
    }

    /**
     * Prints one line per check, names and details in aligned columns, advice indented under the detail, then a
     * one-line summary. Text longer than {@code widthChars} wraps at spaces and continues in the detail column.
     *
     * @param out        where to print
     * @param widthChars the line width to wrap at (the detail column keeps at least 40 characters)
     * @param style      decorates a status tag (for example with ANSI colours); {@link StatusStyle#PLAIN} for plain
     *                   text
     */
    public void print(PrintWriter out, int widthChars, StatusStyle style) {
        int nameWidth = checks.stream().mapToInt(check -> check.name().length()).max().orElse(0);
        int detailColumn = tagWidth() + 1 + nameWidth + 2;
        int detailWidth = Math.max(40, widthChars - detailColumn);
        String indent = " ".repeat(detailColumn);
        for (Check check : checks) {
            String tag = "[" + check.status() + "]";
            String paddedTag = tag + " ".repeat(tagWidth() - tag.length());
            List<String> detail = wrap(check.detail(), detailWidth);
            out.println(style.apply(check.status(), paddedTag) + " " + pad(check.name(), nameWidth) + "  "
                    + detail.getFirst());
            detail.stream().skip(1).forEach(line -> out.println(indent + line));
            if (!check.advice().isEmpty()) {
                List<String> advice = wrap(check.advice(), detailWidth - ADVICE_MARK.length());
                out.println(indent + ADVICE_MARK + advice.getFirst());
                advice.stream().skip(1).forEach(line -> out.println(indent + " ".repeat(ADVICE_MARK.length()) + line));
            }
        }
        out.println();
        out.println(summary());
        out.flush();
    }

    /** Splits {@code text} at spaces into lines of at most {@code width} characters (longer words stay whole). */
    static List<String> wrap(String text, int width) {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : text.split(" ")) {
            if (!line.isEmpty() && line.length() + 1 + word.length() > width) {
                lines.add(line.toString());
                line.setLength(0);
            }
            if (!line.isEmpty()) {
                line.append(' ');
            }
            line.append(word);
        }
        lines.add(line.toString());
        return lines;
    }

    /** The closing line: counts and what they mean for starting the store. */
    public String summary() {
        long warnings = count(Status.WARN);
        long failures = count(Status.FAIL);
        if (failures > 0) {
            return plural(failures, "failure") + ", " + plural(warnings, "warning")
                    + ": fix the FAIL lines before starting pagestore.";
        }
        if (warnings > 0) {
            return "No failures, " + plural(warnings, "warning") + ": pagestore can run here; the advice above says "
                    + "what would make it faster or safer.";
        }
        return "No issues found: this machine offers everything pagestore uses.";
    }

    private static int tagWidth() {
        int width = 0;
        for (Status status : Status.values()) {
            width = Math.max(width, status.name().length() + 2);
        }
        return width;
    }

    private static String pad(String text, int width) {
        return text + " ".repeat(width - text.length());
    }

    private static String plural(long count, String noun) {
        return count + " " + noun + (count == 1 ? "" : "s");
    }

    /** Decorates a status tag for display (colour on a terminal, nothing in a file or test). */
    @FunctionalInterface
    public interface StatusStyle {
        StatusStyle PLAIN = (status, tag) -> tag;

        String apply(Status status, String tag);
    }
}

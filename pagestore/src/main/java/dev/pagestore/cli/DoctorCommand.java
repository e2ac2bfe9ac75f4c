package dev.pagestore.cli;

import dev.pagestore.cli.doctor.Doctor;
import dev.pagestore.cli.doctor.DoctorReport;
import dev.pagestore.cli.doctor.Status;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code pagestore doctor}: a readable report of what this machine offers the store, one line per check, each OK or
 * WARN/FAIL with what is missing and what to do. The checks live in {@link dev.pagestore.cli.doctor}.
 */
@Command(name = "doctor",
        header = "Check what this machine offers the store.",
        synopsisHeading = "%nUsage: ",
        descriptionHeading = "%n",
        description = {
                "Checks Java, CPUs, io_uring and its setup flags, fixed buffers on shared memory, /dev/shm, "
                        + "O_DIRECT on the data directory, the memlock limit, and fio for benchmarks.",
                "",
                "Prints one line per check: OK, or WARN/FAIL with what is missing and what to do."},
        optionListHeading = "%nOptions:%n",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
                "0:nothing failed (warnings allowed)",
                "1:at least one check failed",
                "2:invalid command line"})
public final class DoctorCommand implements Callable<Integer> {
    static final String DEFAULT_DIR = "./pagestore-data";
    private static final int REPORT_WIDTH_CHARS = 110;

    @Spec
    CommandSpec spec;

    @Option(names = "--dir", paramLabel = "DIR", defaultValue = DEFAULT_DIR,
            description = {"Data directory to check for O_DIRECT.",
                    "Default: ${DEFAULT-VALUE} (while it does not exist, the directory it would be created in)."})
    Path dataDir;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean helpRequested;

    @Override
    public Integer call() {
        CommandLine commandLine = spec.commandLine();
        boolean explicit = commandLine.getParseResult().hasMatchedOption("--dir");
        PrintWriter out = commandLine.getOut();
        out.println("pagestore doctor: what this machine offers the store (" + System.getProperty("os.name") + " "
                + System.getProperty("os.version") + ", " + System.getProperty("os.arch") + ")");
        out.println();
        DoctorReport report = Doctor.examine(Doctor.Environment.forMachine(dataDir, explicit));
        CommandLine.Help.Ansi ansi = commandLine.getColorScheme().ansi();
        report.print(out, REPORT_WIDTH_CHARS, (status, tag) -> ansi.string("@|" + style(status) + " " + tag + "|@"));
        return report.exitCode();
    }

    private static String style(Status status) {
        return switch (status) {
            case OK -> "green";
            case WARN -> "yellow";
            case FAIL -> "bold,red";
        };
    }
}

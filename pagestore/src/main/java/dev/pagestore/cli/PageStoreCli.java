package dev.pagestore.cli;

import dev.pagestore.cli.stat.StatCommand;
import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The {@code pagestore} command ({@code bin/pagestore}): one subcommand per job. Run with no subcommand it prints
 * usage and exits with 2, picocli's code for a usage error.
 */
@Command(name = "pagestore",
        mixinStandardHelpOptions = true,
        versionProvider = PageStoreCli.VersionProvider.class,
        subcommands = {DoctorCommand.class, ManagerCommand.class, StatCommand.class, DemoCommand.class,
                CheckHistoryCommand.class, ClusterCommand.class,
                CommandLine.HelpCommand.class},
        headerHeading = "%n",
        header = "pagestore: a page storage layer for databases on NVMe.",
        synopsisHeading = "%nUsage: ",
        descriptionHeading = "%n",
        description = {
                "A database's backends are separate processes, but an NVMe queue pair has no locks: one thread "
                        + "may use it at a time. pagestore gives the device and every queue pair to one manager "
                        + "process (one owner thread per queue pair); worker processes hand it page reads and "
                        + "writes through shared-memory rings, batched, and writes are made durable by a "
                        + "write-ahead log with group commit.",
                "",
                "Start with 'pagestore doctor' to see what this machine offers the store."},
        commandListHeading = "%nCommands:%n",
        optionListHeading = "%nOptions:%n",
        footerHeading = "%n",
        footer = {"bin/pagestore also runs 'bench', the load generator of the bench module (bin/pagestore bench"
                + " --help).", "Read further: README.md, docs/operations.md and docs/DESIGN.md in the repository."})
public final class PageStoreCli implements Runnable {

    @Spec
    CommandSpec spec;

    /** Runs the command line and exits with its code. */
    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** A fresh command line, ready to {@code execute}; tests redirect its output with {@code setOut/setErr}. */
    public static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(new PageStoreCli());
        commandLine.setExecutionExceptionHandler((exception, failed, parseResult) -> {
            // Expected problems are reported by the commands themselves; this is the net under the unexpected.
            failed.getErr().println(failed.getColorScheme().errorText("pagestore " + failed.getCommandName()
                    + ": " + exception));
            return 1;
        });
        return commandLine;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing command: choose one of "
                + String.join(", ", spec.subcommands().keySet()));
    }

    /** The version from the jar's Maven metadata, plus the JVM and kernel it runs on. */
    static final class VersionProvider implements CommandLine.IVersionProvider {
        private static final String POM_PROPERTIES = "/META-INF/maven/dev.pagestore/pagestore/pom.properties";

        @Override
        public String[] getVersion() {
            return new String[] {
                    "pagestore " + projectVersion(),
                    "Java " + Runtime.version() + " (" + System.getProperty("java.vendor") + "), "
                            + System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                            + System.getProperty("os.arch")};
        }

        static String projectVersion() {
            try (InputStream in = PageStoreCli.class.getResourceAsStream(POM_PROPERTIES)) {
                if (in == null) {
                    return "(development build, not packaged)";
                }
                Properties properties = new Properties();
                properties.load(in);
                return properties.getProperty("version", "(unknown version)");
            } catch (IOException e) {
                return "(unknown version: " + e.getMessage() + ")";
            }
        }
    }
}

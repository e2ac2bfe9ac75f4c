package dev.pagestore.cli;

import dev.pagestore.replication.cluster.ClusterProcess;
import dev.pagestore.replication.cluster.ClusterRefusedException;
import dev.pagestore.replication.cluster.LocalCluster;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code pagestore cluster --dir DIR [--bookies N]}: runs a local ZooKeeper and BookKeeper cluster
 * ({@link LocalCluster}) in the foreground until SIGINT or SIGTERM, then stops it and exits 0.
 */
@Command(name = "cluster",
        mixinStandardHelpOptions = true,
        description = {"Run a local BookKeeper cluster for tests and the demo: a ZooKeeper server and N bookies, each"
                + " its own JVM on 127.0.0.1, with their data and logs in DIR. Not for production: every process"
                + " shares this machine's disk and power.",
                "It prints one line per process (name, pid, port, log), then the metadata service URI and the"
                        + " ZooKeeper connect string, and runs until Ctrl-C or SIGTERM, which stop the bookies, then"
                        + " ZooKeeper. Give the URI to a BookKeeper client (metadataServiceUri, for example"
                        + " zk+hierarchical://127.0.0.1:PORT/ledgers) and the connect string to a ZooKeeper client.",
                "The same DIR is the same cluster: its ports are recorded in DIR/cluster.properties and reused,"
                        + " for a bookie's identity is its port. A new DIR gets free ports. A DIR that holds something"
                        + " else, or whose cluster is running, is refused. If this process is killed outright, its"
                        + " children end by themselves."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
                "0:stopped by SIGINT or SIGTERM, every process of the cluster ended",
                "1:did not start: DIR was refused (the message says why) or a process did not get ready (the message"
                        + " names its log in DIR/logs); nothing was left running",
                "2:a bad command line"},
        footerHeading = "%n",
        footer = {"Example: pagestore cluster --dir /tmp/pagestore-cluster, then in another terminal a client"
                + " configured with the URI it prints; Ctrl-C stops it, and the same command starts it again."})
public final class ClusterCommand implements Callable<Integer> {
    static final int EXIT_NOT_STARTED = 1;
    static final int EXIT_USAGE = 2;

    @Option(names = "--dir", required = true, paramLabel = "DIR", description = "Cluster directory: new or empty for a new cluster"
            + " (made owner-only when missing), or one a previous start made, to start that cluster again.")
    Path directory;

    @Option(names = "--bookies", paramLabel = "N", description = "Number of bookies, from 1 to "
            + LocalCluster.BOOKIE_COUNT_MAX + " (default: the number in DIR, or "
            + LocalCluster.DEFAULT_BOOKIE_COUNT + " for a new DIR). Three allow ledgers of ensemble 3, write"
            + " quorum 3, ack quorum 2, the replicated WAL's.")
    Integer bookieCount;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (bookieCount != null && (bookieCount < 1 || bookieCount > LocalCluster.BOOKIE_COUNT_MAX)) {
            err.println("pagestore cluster: --bookies " + bookieCount + " is not from 1 to "
                    + LocalCluster.BOOKIE_COUNT_MAX);
            return EXIT_USAGE;
        }
        LocalCluster cluster;
        try {
            cluster = bookieCount == null ? LocalCluster.start(directory) : LocalCluster.start(directory, bookieCount);
        } catch (ClusterRefusedException | IllegalArgumentException e) {
            err.println("pagestore cluster: refused: " + e.getMessage());
            return EXIT_NOT_STARTED;
        } catch (IOException e) {
            err.println("pagestore cluster: could not start: " + e.getMessage());
            return EXIT_NOT_STARTED;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            cluster.close();  // the cluster's own hook may be closing it too: this returns once it is closed
            err.println("pagestore cluster: stopped");
            err.flush();
            Runtime.getRuntime().halt(0);  // a stop by signal is the normal end: exit 0, not 130 or 143
        }, "pagestore-cluster-stop"));
        for (ClusterProcess process : cluster.processes()) {
            out.printf("%-10s pid %-8d port %-6d log %s%n", process.name(), process.pid(), process.port(),
                    process.log());
        }
        out.println("metadata service URI: " + cluster.metadataServiceUri());
        out.println("ZooKeeper connect string: " + cluster.zookeeperConnectString());
        out.println("ready: Ctrl-C or kill -TERM " + ProcessHandle.current().pid() + " stops the cluster");
        out.flush();
        while (true) {
            Thread.sleep(Long.MAX_VALUE);  // until SIGINT or SIGTERM: the hook above stops the cluster and exits
        }
    }
}

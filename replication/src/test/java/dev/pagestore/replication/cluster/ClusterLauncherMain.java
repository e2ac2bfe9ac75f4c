package dev.pagestore.replication.cluster;

import java.nio.file.Path;

/**
 * A launcher JVM for {@link LocalClusterTest}: {@code ClusterLauncherMain DIR} starts the cluster in DIR, prints
 * {@code process NAME PID PORT} per process, then {@code ready URI}, and waits to be killed.
 */
public final class ClusterLauncherMain {
    private ClusterLauncherMain() {
    }

    public static void main(String[] args) throws Exception {
        LocalCluster cluster = LocalCluster.start(Path.of(args[0]));
        for (ClusterProcess process : cluster.processes()) {
            System.out.println("process " + process.name() + " " + process.pid() + " " + process.port());
        }
        System.out.println("ready " + cluster.metadataServiceUri());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}

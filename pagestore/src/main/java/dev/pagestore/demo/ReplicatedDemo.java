package dev.pagestore.demo;

import dev.pagestore.manager.StoreMetadata;
import dev.pagestore.replication.cluster.LocalCluster;
import dev.pagestore.status.StatusRegionDescriptor;
import dev.pagestore.status.StatusView;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@code pagestore demo --replicated} adds to the demo: a local cluster (ZooKeeper and three bookies, in
 * {@code DIR/cluster}), the demo's manager as a replicating primary, and a standby in {@code DIR/standby} that the
 * workers fail over to. The primary's SIGKILL is then not followed by a restart: the standby takes the store over.
 */
final class ReplicatedDemo implements AutoCloseable {
    /** Short enough that the failover is quick, long enough for two busy cores. */
    private static final String SESSION_MILLIS = "2000";

    private final LocalCluster cluster;
    private final Path standby;
    private ChildProcess standbyProcess;

    private ReplicatedDemo(LocalCluster cluster, Path standby) {
        this.cluster = cluster;
        this.standby = standby;
    }

    static ReplicatedDemo start(Path home) throws IOException, InterruptedException {
        return new ReplicatedDemo(LocalCluster.start(home.resolve(DemoDirectory.CLUSTER)),
                home.resolve(DemoDirectory.STANDBY));
    }

    /** The primary's options. */
    List<String> primaryArguments() {
        return List.of("--replicate", cluster.metadataServiceUri(), "--session-timeout-ms", SESSION_MILLIS);
    }

    Path standbyDirectory() {
        return standby;
    }

    /** Starts the standby of the store in {@code store}; null when it did not start (its log says why). */
    ChildProcess startStandby(Path store, Path logs, List<String> jvmOptions, String managerMain, long pages,
            long timeoutMillis) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("manager", "--dir", standby.toString(), "--create",
                "--capacity-pages", Long.toString(pages), "--checkpoint-interval-ms", "5000", "--standby", "--store",
                StoreMetadata.read(store).orElseThrow().storeId().toString(),
                "--exit-with-parent", Long.toString(ProcessHandle.current().pid())));
        args.addAll(primaryArguments());
        ChildProcess m = ChildProcess.start("standby", jvmOptions, managerMain, args, logs.resolve("standby.log"));
        if (m.awaitLineStartingWith("pagestore manager pid", timeoutMillis) == null) {
            m.destroy();
            return null;
        }
        standbyProcess = m;
        return m;
    }

    /** Waits until the standby serves writes (its status says RUNNING): its process, or null after the timeout. */
    ChildProcess awaitTakeover(long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
        while (System.nanoTime() < deadline) {
            try (StatusView status = StatusView.observe(standby)) {
                if (status.state() == StatusRegionDescriptor.STATE_RUNNING) {
                    return standbyProcess;
                }
            } catch (IOException e) {
                // not readable this instant: look again
            }
            Thread.sleep(20);
        }
        return null;
    }

    @Override
    public void close() {
        cluster.close();
    }
}

package dev.pagestore.replication.cluster;

import java.nio.file.Path;

/**
 * One process of a local cluster as {@link LocalCluster#processes()} saw it.
 *
 * @param name    {@code zookeeper} or {@code bookie-I}
 * @param pid     the current process's pid, or the last one's when it is not running
 * @param port    the port it listens on (ZooKeeper's client port, the bookie's port)
 * @param log     the file its stdout and stderr are appended to
 * @param running whether the process was alive
 */
public record ClusterProcess(String name, long pid, int port, Path log, boolean running) {
}

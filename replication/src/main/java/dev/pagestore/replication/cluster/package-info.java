/**
 * A local BookKeeper cluster for tests and the demo ({@link dev.pagestore.replication.cluster.LocalCluster}): a
 * ZooKeeper server and N bookies, each a child JVM of the launcher, in one cluster directory that survives restarts.
 * It owns its directory and its children, and touches nothing else: not the WAL, not the store, not any client.
 */
package dev.pagestore.replication.cluster;

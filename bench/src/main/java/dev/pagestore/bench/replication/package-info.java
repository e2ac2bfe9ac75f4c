/**
 * Benchmarks of a replicated store: a manager started with {@code --replicate} against a
 * {@link dev.pagestore.replication.cluster.LocalCluster}, driven through the public client while bookies come and go.
 * {@link dev.pagestore.bench.replication.BookieKillTimeline} is the entry point.
 *
 * <p>Starts the manager as its own process ({@code pagestore manager}) and reaches it through the public client only;
 * uses the cluster's test-and-demo controls ({@code killBookie}, {@code startBookie}) and never the manager's or the
 * replication module's classes otherwise: what it measures is what a user of a replicated store gets.
 */
package dev.pagestore.bench.replication;

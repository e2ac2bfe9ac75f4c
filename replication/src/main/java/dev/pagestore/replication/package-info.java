/**
 * The WAL replicated through Apache BookKeeper: a store's log on a quorum of bookies, its ledgers and its primary
 * named in ZooKeeper, and a local ZooKeeper and bookie cluster for tests and the demo. docs/REPLICATION.md has the
 * design.
 */
package dev.pagestore.replication;

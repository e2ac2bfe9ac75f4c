/**
 * {@code pagestore bench}: a load generator for operators. It runs the store the way its users do (a manager process
 * and worker processes attached through the public client), measures throughput, latency percentiles, CPU per
 * operation of every process from {@code /proc} and the manager's memory, and can alternate its runs with a peer on
 * the same file system (fio with io_uring, or RocksDB). {@link dev.pagestore.bench.load.BenchCommand} is the entry
 * point; {@code docs/operations.md} describes the command and its figures.
 *
 * <p>Depends on the public client, the page cache and the {@code pagestore manager} command only, never on the
 * manager's classes: what it measures is what a user gets.
 */
package dev.pagestore.bench.load;

/**
 * The {@code pagestore} command line ({@code bin/pagestore}): {@link dev.pagestore.cli.PageStoreCli} and its
 * subcommands. Commands parse arguments, call the store's modules and print; the checks behind
 * {@code pagestore doctor} are in {@link dev.pagestore.cli.doctor}, each testable on its own.
 */
package dev.pagestore.cli;

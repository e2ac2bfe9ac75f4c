/**
 * Checking what the store promises under faults: {@link dev.pagestore.torture.RegisterChecker} verifies that every
 * page of a recorded history of reads and writes ({@link dev.pagestore.torture.PageOperation}, from any number of
 * worker processes and across manager restarts, on one clock) behaves as a linearizable register, with writes of
 * unknown outcome allowed to have happened or not, but never in part. It reads histories only; it starts nothing.
 */
package dev.pagestore.torture;

/**
 * How a ring end waits for the other process: {@link dev.pagestore.ipc.wait.WaitStrategy} (busy-spin,
 * spin-then-yield, blocking) over a {@link dev.pagestore.ipc.wait.WaitPoint} (a shared sequence plus the waiter's
 * "waiting" flag). Every wait takes a {@code System.nanoTime()} deadline and reports
 * {@link dev.pagestore.ipc.wait.WaitOutcome#TIMED_OUT} at it. The blocking strategy sleeps in {@code futex} and is
 * woken only when it announced that it sleeps (io_uring's {@code NEED_WAKEUP} idea); it is the default.
 */
package dev.pagestore.ipc.wait;

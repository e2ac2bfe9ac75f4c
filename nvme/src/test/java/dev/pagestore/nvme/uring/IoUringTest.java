package dev.pagestore.nvme.uring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pagestore.ipc.linux.Errno;
import dev.pagestore.ipc.linux.Futex;
import dev.pagestore.ipc.linux.FutexWaitv;
import dev.pagestore.ipc.owner.OwnerThreadException;
import dev.pagestore.ipc.linux.IoUringSyscalls;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Ring mechanics that need no data file: batching, ownership, capacity, cancels, timed waits, close. Two operations
 * the store itself uses stand in for any: a cancel of a read never issued completes at once, and a futex wait on a
 * word nobody changes stays in flight until it is woken, cancelled or the ring closes.
 */
class IoUringTest {
    /** No read is ever issued in these tests, so a cancel aimed at one finds nothing and completes at once. */
    private static final long NO_SUCH_READ = 0xdead;

    private final Arena arena = Arena.ofShared();
    private final MemorySegment word = arena.allocate(4, 4);
    private final FutexWaitv waiters = new FutexWaitv();

    @AfterEach
    void closeArena() {
        arena.close();
    }

    private static boolean instant(IoUring ring, long callerId) {
        return ring.sq().prepareCancel(UringOp.READ, NO_SUCH_READ, callerId);
    }

    private boolean parked(IoUring ring, long callerId) {
        assumeTrue(kernelAtLeast(6, 7), "IORING_OP_FUTEX_WAITV needs Linux 6.7; this is "
                + System.getProperty("os.version"));
        if (waiters.count() == 0) {
            waiters.add(word, 0);
        }
        return ring.sq().prepareFutexWaitv(waiters.array(), waiters.count(), callerId);
    }

    private static boolean kernelAtLeast(int major, int minor) {
        String[] parts = System.getProperty("os.version").split("[.-]");
        int kernelMajor = Integer.parseInt(parts[0]);
        return kernelMajor > major || kernelMajor == major && Integer.parseInt(parts[1]) >= minor;
    }

    private Thread wakeLater(Duration delay) {
        return Thread.ofPlatform().start(() -> {
            LockSupport.parkNanos(delay.toNanos());
            Futex.wake(word, 1);
        });
    }


    @Test
    void shouldRoundTripCallerIdAndOperation() throws Exception {
        try (IoUring ring = IoUring.open(IoUringOptions.of(8))) {
            assertTrue(instant(ring, SubmissionQueue.CALLER_ID_MAX));
            assertTrue(instant(ring, 42));
            assertEquals(2, ring.submit());
            RecordingHandler handler = RecordingHandler.reapAll(ring, 2);
            assertEquals(CompletionStatus.CANCEL_TARGET_NOT_FOUND, CompletionStatus.of(UringOp.ASYNC_CANCEL,
                    handler.find(UringOp.ASYNC_CANCEL, SubmissionQueue.CALLER_ID_MAX).result()));
            assertEquals(CompletionStatus.CANCEL_TARGET_NOT_FOUND, CompletionStatus.of(UringOp.ASYNC_CANCEL,
                    handler.find(UringOp.ASYNC_CANCEL, 42).result()));
            assertEquals(0, ring.inFlight());
            assertEquals(2, ring.stats().cqesReaped());
        }
    }

    @Test
    void shouldCreateRingWithSingleIssuerAndDeferTaskrunWhereTheKernelHasThem() throws Exception {
        try (IoUring ring = IoUring.open(IoUringOptions.of(4))) {
            assertEquals(4, ring.sqEntries());
            assertTrue(ring.cqEntries() >= ring.sqEntries());
            boolean kernelHas = dev.pagestore.ipc.linux.IoUringProbe.run().deferTaskrun();
            assertEquals(kernelHas, ring.deferTaskrun(), "flag accepted iff the probe says the kernel has it");
            assertEquals(kernelHas, ring.singleIssuer() && ring.deferTaskrun());
        }
        try (IoUring ring = IoUring.open(IoUringOptions.of(4).withSetupFlags(false, false))) {
            assertFalse(ring.singleIssuer());
            assertEquals(0, ring.setupFlags() & (IoUringSyscalls.SETUP_SINGLE_ISSUER
                    | IoUringSyscalls.SETUP_DEFER_TASKRUN));
        }
    }

    @Test
    void shouldIssueExactlyOneEnterForABatchOfPreparedOperations() throws Exception {
        try (IoUring ring = IoUring.open(IoUringOptions.of(64))) {
            int batch = 48;
            for (int i = 0; i < batch; i++) {
                assertTrue(instant(ring, i));
            }
            long entersBefore = ring.stats().enterCalls();
            assertEquals(batch, ring.submit());
            assertEquals(1, ring.stats().enterCalls() - entersBefore, "one io_uring_enter for the whole batch");
            assertEquals(batch, ring.stats().sqesSubmitted());
            RecordingHandler handler = RecordingHandler.reapAll(ring, batch);
            Set<Long> ids = new HashSet<>();
            handler.completions.forEach(c -> ids.add(c.callerId()));
            assertEquals(batch, ids.size(), "every caller id completes exactly once");
            long entersBeforeIdle = ring.stats().enterCalls();
            assertEquals(0, ring.submit(), "nothing prepared");
            assertEquals(entersBeforeIdle, ring.stats().enterCalls(), "an empty submit makes no system call");
        }
    }

    @Test
    void shouldRefuseACallFromAnotherThreadNamingBothThreads() throws Exception {
        try (IoUring ring = IoUring.open(IoUringOptions.of(8))) {
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            Thread intruder = new Thread(() -> {
                try {
                    instant(ring, 1);
                } catch (Throwable t) {
                    thrown.set(t);
                }
            }, "intruder-thread");
            intruder.start();
            intruder.join();
            Throwable t = thrown.get();
            assertTrue(t instanceof OwnerThreadException, "got " + t);
            String owner = Thread.currentThread().getName();
            assertTrue(t.getMessage().contains("'" + owner + "'"), t.getMessage());
            assertTrue(t.getMessage().contains("'intruder-thread'"), t.getMessage());
            assertEquals(0, ring.prepared(), "the refused call wrote nothing");
            assertTrue(instant(ring, 2), "the owner still uses the ring");
            ring.submit();
            assertEquals(2, RecordingHandler.reapAll(ring, 1).completions.getFirst().callerId());
        }
    }

    @Test
    void shouldShowTheKernelRefusingASecondIssuerOnASingleIssuerRing() throws Exception {
        try (IoUring ring = IoUring.open(IoUringOptions.of(8))) {
            assumeTrue(ring.singleIssuer(), "kernel without IORING_SETUP_SINGLE_ISSUER");
            AtomicInteger result = new AtomicInteger();
            // Bypass the Java owner check with the raw system call: the kernel's own check must fire.
            int ringFd = onlyIoUringDescriptor();
            Thread other = new Thread(() -> result.set(IoUringSyscalls.enter(ringFd, 1, 0, 0)), "second-issuer");
            other.start();
            other.join();
            assertEquals(-Errno.EEXIST.number(), result.get(), "kernel answer: " + Errno.describe(-result.get()));
        }
    }

    /** The one io_uring descriptor this process holds, found as the kernel names it in /proc/self/fd. */
    private static int onlyIoUringDescriptor() throws java.io.IOException {
        List<Integer> found = new ArrayList<>();
        try (java.util.stream.Stream<java.nio.file.Path> fds = java.nio.file.Files.list(
                java.nio.file.Path.of("/proc/self/fd"))) {
            for (java.nio.file.Path fd : fds.toList()) {
                try {
                    if (java.nio.file.Files.readSymbolicLink(fd).toString().equals("anon_inode:[io_uring]")) {
                        found.add(Integer.parseInt(fd.getFileName().toString()));
                    }
                } catch (java.io.IOException closedMeanwhile) {
                    // the listing's own descriptor, or one closed by another thread
                }
            }
        }
        assertEquals(1, found.size(), "io_uring descriptors of this process: " + found);
        return found.getFirst();
    }

    @Test
    void shouldLetAHandlerPrepareAgainInTheRoomItsCompletionFreedOnAFullRing() throws Exception {
        try (IoUring ring = IoUring.open(IoUringOptions.of(8))) {
            int sq = ring.sqEntries();
            int id = 0;
            while (ring.inFlight() + ring.prepared() < ring.cqEntries()) {
                assertTrue(instant(ring, id++));
                if (ring.prepared() == sq) {
                    ring.submit();
                }
            }
            ring.submit();
            assertFalse(instant(ring, 999), "the CQ budget is used up");
            ring.submitAndWait(sq);
            List<Boolean> prepared = new ArrayList<>();
            int reaped = ring.reap(sq, (callerId, op, result) -> prepared.add(instant(ring, 1000 + callerId)));
            assertEquals(sq, reaped);
            assertEquals(sq, prepared.size());
            assertFalse(prepared.contains(false), "each completion's room was free for its handler: " + prepared);
            assertEquals(ring.cqEntries(), ring.inFlight() + ring.prepared());
        }
    }

    @Test
    void shouldRefusePrepareBeyondQueueCapacityWithoutCorruptingQueuedEntries() throws Exception {
        try (IoUring ring = IoUring.open(IoUringOptions.of(8))) {
            int sq = ring.sqEntries();
            for (int i = 0; i < sq; i++) {
                assertTrue(instant(ring, 100 + i));
            }
            assertFalse(instant(ring, 999), "SQ full");
            assertEquals(1, ring.stats().queueFullRefusals());
            assertEquals(sq, ring.prepared());
            assertEquals(sq, ring.submit());
            // The CQ budget: completions not yet reaped count, so in-flight never exceeds the CQ.
            int accepted = 0;
            while (instant(ring, 200 + accepted)) {
                accepted++;
                if (ring.prepared() == sq) {
                    ring.submit();
                }
            }
            ring.submit();
            assertEquals(ring.cqEntries(), ring.inFlight() + ring.prepared(), "filled exactly to the CQ size");
            RecordingHandler handler = RecordingHandler.reapAll(ring, ring.cqEntries());
            Set<Long> ids = new HashSet<>();
            handler.completions.forEach(c -> ids.add(c.callerId()));
            for (int i = 0; i < sq; i++) {
                assertTrue(ids.contains(100L + i), "first batch id " + (100 + i) + " completed");
            }
            for (int i = 0; i < accepted; i++) {
                assertTrue(ids.contains(200L + i), "second batch id " + (200 + i) + " completed");
            }
            assertFalse(ids.contains(999L), "the refused entry never reached the kernel");
            assertEquals(ring.cqEntries(), ids.size());
            assertTrue(instant(ring, 1), "room again after reaping");
        }
    }

    @Test
    void shouldCancelAnInFlightOperationAndReportBothCompletions() throws Exception {
        try (IoUring ring = IoUring.open(IoUringOptions.of(8))) {
            assertTrue(parked(ring, 7));
            ring.submit();
            assertTrue(ring.sq().prepareCancel(UringOp.FUTEX_WAITV, 7, 8));
            ring.submit();
            RecordingHandler handler = RecordingHandler.reapAll(ring, 2);
            assertEquals(CompletionStatus.OK, CompletionStatus.of(UringOp.ASYNC_CANCEL,
                    handler.find(UringOp.ASYNC_CANCEL, 8).result()), "cancel found its target");
            assertEquals(CompletionStatus.CANCELED, CompletionStatus.of(UringOp.FUTEX_WAITV,
                    handler.find(UringOp.FUTEX_WAITV, 7).result()));
        }
    }

    @Test
    void shouldReportCancelOfAnUnknownTargetAsNotFound() throws Exception {
        try (IoUring ring = IoUring.open(IoUringOptions.of(8))) {
            assertTrue(ring.sq().prepareCancel(UringOp.READ, 12345, 1));
            ring.submit();
            int result = RecordingHandler.reapAll(ring, 1).completions.getFirst().result();
            assertEquals(CompletionStatus.CANCEL_TARGET_NOT_FOUND, CompletionStatus.of(UringOp.ASYNC_CANCEL, result));
        }
    }

    @Test
    void shouldReturnFromATimedWaitWhenNothingCompletes() throws Exception {
        try (IoUring ring = IoUring.open(IoUringOptions.of(8))) {
            assertTrue(parked(ring, 4));
            ring.submit();
            long start = System.nanoTime();
            ring.submitAndWait(1, Duration.ofMillis(50).toNanos());
            long waitedNanos = System.nanoTime() - start;
            assertEquals(0, ring.completionsReady(), "the futex wait is still pending");
            assertTrue(waitedNanos >= Duration.ofMillis(40).toNanos(), "waited " + waitedNanos + " ns");
            assertEquals(1, ring.inFlight());
            ring.sq().prepareCancel(UringOp.FUTEX_WAITV, 4, 5);
            ring.submit();
            RecordingHandler.reapAll(ring, 2);
            assertEquals(0, ring.inFlight());
        }
    }

    @Test
    void shouldReapWithoutEnteringTheKernelUntilItSaysCompletionWorkIsWaiting() throws Exception {
        try (IoUring ring = IoUring.open(IoUringOptions.of(8))) {
            assertEquals(ring.deferTaskrun(), (ring.setupFlags() & IoUringSyscalls.SETUP_TASKRUN_FLAG) != 0,
                    "TASKRUN_FLAG goes with DEFER_TASKRUN on this kernel");
            assumeTrue(ring.deferTaskrun(), "a kernel without DEFER_TASKRUN posts completions without an enter");
            assertTrue(parked(ring, 1));
            ring.submit();
            Thread waker = wakeLater(Duration.ofMillis(30));
            RecordingHandler handler = new RecordingHandler();
            long entersBefore = ring.stats().enterCalls();
            for (int i = 0; i < 1_000; i++) {
                ring.reap(8, handler);
            }
            if (handler.completions.isEmpty()) {  // else the machine stalled past the wake: one enter took it
                assertEquals(entersBefore, ring.stats().enterCalls(), "empty reaps with a wait in flight entered");
            }
            long giveUp = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (handler.completions.isEmpty()) {
                assertTrue(System.nanoTime() < giveUp, "the woken wait's completion was never reaped");
                ring.reap(8, handler);
                Thread.onSpinWait();
            }
            waker.join();
            assertEquals(1, handler.completions.getFirst().callerId());
            assertTrue(ring.stats().enterCalls() - entersBefore <= 2, "entered "
                    + (ring.stats().enterCalls() - entersBefore) + " times to reap one completion");
        }
    }

    @Test
    void shouldRefuseToReapFromInsideACompletionHandler() throws Exception {
        try (IoUring ring = IoUring.open(IoUringOptions.of(8))) {
            instant(ring, 1);
            instant(ring, 2);
            ring.submitAndWait(2);
            AtomicInteger delivered = new AtomicInteger();
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> ring.reap(8, (id, op, res) -> {
                delivered.incrementAndGet();
                ring.reap(1, (i, o, r) -> { });
            }));
            assertTrue(e.getMessage().contains("no re-entry"), e.getMessage());
            assertEquals(2, delivered.get(), "the rest of the batch is still delivered");
            assertEquals(0, ring.completionsReady());
        }
    }

    @Test
    void shouldLetAHandlerPrepareAndSubmitFollowUpWork() throws Exception {
        try (IoUring ring = IoUring.open(IoUringOptions.of(8))) {
            instant(ring, 1);
            ring.submitAndWait(1);
            ring.reap(8, (id, op, res) -> {
                assertTrue(instant(ring, id + 1));
                ring.submit();
            });
            assertEquals(2, RecordingHandler.reapAll(ring, 1).completions.getFirst().callerId());
        }
    }

    @Test
    void shouldNotSubmitPreparedEntriesWhenReapingRunsDeferredCompletionWork() throws Exception {
        try (IoUring ring = IoUring.open(IoUringOptions.of(8))) {
            instant(ring, 1);
            ring.submit();
            instant(ring, 2);  // prepared, not submitted
            RecordingHandler handler = new RecordingHandler();
            while (handler.completions.isEmpty()) {
                ring.reap(8, handler);  // with DEFER_TASKRUN this enters the kernel to post entry 1's completion
            }
            assertEquals(1, handler.completions.size());
            assertEquals(1, handler.completions.getFirst().callerId());
            assertEquals(1, ring.prepared(), "reap left the prepared entry for the caller's next submit");
            assertEquals(0, ring.inFlight());
            ring.submit();
            assertEquals(2, RecordingHandler.reapAll(ring, 1).completions.getFirst().callerId());
        }
    }

    @Test
    void shouldExplainAKernelThatRefusesIoUringInOneActionableMessage() {
        java.io.IOException noSyscall = IoUringSetup.setupFailure(Errno.ENOSYS.number(), 64);
        assertTrue(noSyscall instanceof IoUringUnavailableException);
        assertTrue(noSyscall.getMessage().contains("ENOSYS") && noSyscall.getMessage().contains("seccomp")
                && noSyscall.getMessage().contains("portable backend"), noSyscall.getMessage());
        java.io.IOException disabled = IoUringSetup.setupFailure(Errno.EPERM.number(), 64);
        assertTrue(disabled instanceof IoUringUnavailableException);
        assertTrue(disabled.getMessage().contains("EPERM")
                && disabled.getMessage().contains("/proc/sys/kernel/io_uring_disabled")
                && disabled.getMessage().contains("kernel.io_uring_disabled=0"), disabled.getMessage());
        java.io.IOException other = IoUringSetup.setupFailure(Errno.EMFILE.number(), 64);
        assertFalse(other instanceof IoUringUnavailableException, "running out of descriptors is not 'no io_uring'");
        assertTrue(other.getMessage().startsWith("io_uring_setup entries=64: EMFILE"), other.getMessage());
    }

    @Test
    void shouldRefuseToRegisterADescriptorThatIsNotOpen() throws Exception {
        try (IoUring ring = IoUring.open(IoUringOptions.of(8))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ring.registrations().registerFiles(1_000_000));
            assertTrue(e.getMessage().contains("not open"), e.getMessage());
            assertFalse(ring.registrations().filesRegistered());
        }
    }

    @Test
    void shouldRejectCallerIdsThatDoNotFitUserData() throws Exception {
        try (IoUring ring = IoUring.open(IoUringOptions.of(8))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> instant(ring, SubmissionQueue.CALLER_ID_MAX + 1));
            assertTrue(e.getMessage().contains("callerId=" + (SubmissionQueue.CALLER_ID_MAX + 1)), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> instant(ring, -1));
            assertThrows(IllegalArgumentException.class, () -> ring.submitAndWait(1), "nothing in flight");
        }
    }

    @Test
    void shouldWaitForInFlightOperationsOnCloseAndBeIdempotent() throws Exception {
        IoUring ring = IoUring.open(IoUringOptions.of(8));
        parked(ring, 9);
        ring.submit();
        Thread waker = wakeLater(Duration.ofMillis(30));
        RecordingHandler handler = new RecordingHandler();
        assertEquals(0, ring.close(Duration.ofSeconds(10), handler));
        waker.join();
        assertEquals(1, handler.completions.size(), "close drained the woken wait's completion");
        assertTrue(ring.isClosed());
        ring.close();  // idempotent
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> instant(ring, 1));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }

    @Test
    void shouldReportOperationsStillInFlightWhenTheCloseWaitRunsOut() throws Exception {
        IoUring ring = IoUring.open(IoUringOptions.of(8));
        parked(ring, 1);
        instant(ring, 2);
        ring.submit();
        instant(ring, 3);  // prepared, never submitted: dropped
        RecordingHandler handler = new RecordingHandler();
        assertEquals(1, ring.close(Duration.ofMillis(50), handler), "the wait nobody wakes is reported as abandoned");
        assertEquals(1, handler.completions.size());
        assertEquals(2, handler.completions.getFirst().callerId());
    }

    @Test
    void shouldRefuseCloseFromAnotherThread() throws Exception {
        try (IoUring ring = IoUring.open(IoUringOptions.of(8))) {
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            Thread other = new Thread(() -> {
                try {
                    ring.close();
                } catch (Throwable t) {
                    thrown.set(t);
                }
            }, "closer");
            other.start();
            other.join();
            assertTrue(thrown.get() instanceof OwnerThreadException, "got " + thrown.get());
            assertFalse(ring.isClosed());
        }
    }
}

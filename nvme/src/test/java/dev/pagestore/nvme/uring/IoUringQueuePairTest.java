package dev.pagestore.nvme.uring;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pagestore.ipc.linux.Futex;
import dev.pagestore.ipc.linux.FutexWaitv;
import dev.pagestore.nvme.BlockDevice;
import dev.pagestore.nvme.DeviceFile;
import dev.pagestore.nvme.IoStatus;
import dev.pagestore.nvme.QueuePair;
import dev.pagestore.nvme.QueuePairContractTest;
import dev.pagestore.nvme.QueuePairListener;
import dev.pagestore.ipc.owner.OwnerThreadException;
import dev.pagestore.nvme.RecordingHandler;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The queue pair contract on the io_uring backend over a regular file on the build's disk ({@code target/}, ext4 or
 * xfs with {@code O_DIRECT}; not tmpfs), plus what only io_uring has: one {@code io_uring_enter} per batch, fixed
 * buffers and their fallback, cancellation of timed-out commands with the fence held until the kernel's own CQE,
 * ring re-creation on an ownership hand-off, and close with commands still in the kernel.
 *
 * <p>Slow commands are reads held in the kernel on a socket until the test sends their bytes ({@link HeldReadDevice}).
 */
class IoUringQueuePairTest extends QueuePairContractTest {
    /** How long a sender waits before it releases a held read: long enough that the reader is waiting by then. */
    private static final long SEND_DELAY_NANOS = 200_000_000L;
    private Path scratch;

    @Override
    protected BlockDevice openDevice(Path directory, long seed) throws IOException {
        scratch = UringTestFiles.scratchDirectory();
        return IoUringBlockDevice.open(scratch.resolve("device.img"), DeviceFile.Options.create(CAPACITY_BYTES));
    }

    @AfterEach
    void deleteScratch() throws IOException {
        UringTestFiles.deleteRecursively(scratch);
    }

    private static long deadline() {
        return System.nanoTime() + 10_000_000_000L;
    }

    /** io_uring instances this process has open: what a leaked or closed ring shows from outside. */
    private static long openRings() throws IOException {
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString().equals("anon_inode:[io_uring]");
                } catch (IOException e) {
                    return false;  // the listing's own descriptor, closed by now
                }
            }).count();
        }
    }

    private static IoUringBackend uring(QueuePair qp) {
        return (IoUringBackend) qp.backend();
    }

    private QueuePair open(int depth) throws IOException {
        return device.openQueuePair(depth);
    }

    private void writeSync(QueuePair qp, RecordingHandler h, long tag, MemorySegment data, long offset) {
        assertTrue(qp.prepareWrite(tag, data, offset, (int) data.byteSize(), deadline()), context());
        qp.submit();
        h.pollUntil(qp, h.completions.size() + 1);
        assertEquals(IoStatus.OK, h.get(tag).status(), context() + " write tag " + tag);
    }

    @Test
    void shouldReturnFromAwaitCompletionsWhenAWatchedFutexWordIsWoken() throws Exception {
        try (QueuePair qp = open(4)) {
            MemorySegment word = Arena.ofAuto().allocate(4, 4);
            FutexWaitv waiters = new FutexWaitv();
            waiters.add(word, 0);
            assertTrue(qp.armFutexWatch(waiters.array(), waiters.count()), context() + ": Linux 6.7+ can");
            assertTrue(qp.futexWatchArmed());

            long start = System.nanoTime();
            qp.submitAndAwait(50_000_000);
            assertTrue(System.nanoTime() - start >= 40_000_000, "nothing woke it: it waited out its timeout");

            Thread waker = Thread.ofPlatform().start(() -> {
                LockSupport.parkNanos(20_000_000);
                Futex.wake(word, 1);
            });
            start = System.nanoTime();
            qp.submitAndAwait(5_000_000_000L);
            long waited = System.nanoTime() - start;
            waker.join();
            assertTrue(waited < 2_000_000_000L, "the wake ended the wait (" + waited / 1_000_000 + " ms)");
            qp.poll(4, new RecordingHandler(context()));
            assertFalse(qp.futexWatchArmed(), "its completion was polled");

            // A word that no longer holds its expected value completes the watch at once.
            word.set(ValueLayout.JAVA_INT, 0, 7);
            assertTrue(qp.armFutexWatch(waiters.array(), waiters.count()));
            qp.submitAndAwait(5_000_000_000L);
            qp.poll(4, new RecordingHandler(context()));
            assertFalse(qp.futexWatchArmed());

            word.set(ValueLayout.JAVA_INT, 0, 0);
            assertTrue(qp.armFutexWatch(waiters.array(), waiters.count()), "armed again, then closed armed");
        }  // close cancels the armed watch rather than waiting for it
    }

    @Test
    void shouldIssueOneIoUringEnterPerSubmittedBatch() throws Exception {
        int depth = 32;
        try (QueuePair qp = open(depth)) {
            RecordingHandler h = new RecordingHandler(context());
            MemorySegment slab = buffer(depth * BLOCK);
            for (int batch = 0; batch < 3; batch++) {
                for (int i = 0; i < depth; i++) {
                    assertTrue(qp.prepareRead(batch * depth + i, slab.asSlice((long) i * BLOCK, BLOCK),
                            randomBlockOffset(BLOCK), BLOCK, deadline()), context());
                }
                IoUringStats before = uring(qp).ringStats();
                assertEquals(depth, qp.submit(), context());
                IoUringStats after = uring(qp).ringStats();
                assertEquals(1, after.enterCalls() - before.enterCalls(),
                        context() + ": a batch of " + depth + " must cost exactly one io_uring_enter");
                assertEquals(depth, after.sqesSubmitted() - before.sqesSubmitted(), context());
                h.pollUntil(qp, (batch + 1) * depth);
            }
            for (RecordingHandler.Completion c : h.completions) {
                assertEquals(IoStatus.OK, c.status(), context() + " " + c);
            }
        }
    }

    @Test
    void shouldUseFixedBuffersForIoInsideARegisteredSharedMemoryRegion() throws Exception {
        Path shm = Path.of("/dev/shm");
        assumeTrue(Files.isDirectory(shm), "no /dev/shm on this machine");
        Path slabFile = Files.createTempFile(shm, "pagestore-uqp-test-", ".slab");
        int slots = 8;
        try (FileChannel channel = FileChannel.open(slabFile, StandardOpenOption.READ, StandardOpenOption.WRITE);
             QueuePair qp = open(slots)) {
            channel.truncate((long) slots * BLOCK);
            MemorySegment slab = channel.map(FileChannel.MapMode.READ_WRITE, 0, (long) slots * BLOCK, arena);
            boolean registered = qp.attachBuffer(slab) >= 0;
            assumeTrue(registered, "the kernel refused to register a /dev/shm mapping: "
                    + qp.bufferRegistrationFailure());
            assertTrue(uring(qp).buffersRegistered(), context());
            RecordingHandler h = new RecordingHandler(context());
            long fixedBefore = uring(qp).ringStats().fixedBufferIos();
            for (int i = 0; i < slots; i++) {
                MemorySegment slot = slab.asSlice((long) i * BLOCK, BLOCK);
                fillRandom(slot);
                writeSync(qp, h, i, slot, (long) i * BLOCK);
            }
            MemorySegment readBack = buffer(slots * BLOCK);  // outside the region: plain READ
            assertTrue(qp.prepareRead(100, readBack, 0, slots * BLOCK, deadline()), context());
            qp.submit();
            h.pollUntil(qp, slots + 1);
            assertEquals(IoStatus.OK, h.get(100).status(), context());
            assertArrayEquals(slab.toArray(ValueLayout.JAVA_BYTE), readBack.toArray(ValueLayout.JAVA_BYTE), context());
            IoUringStats stats = uring(qp).ringStats();
            assertEquals(slots, stats.fixedBufferIos() - fixedBefore, context() + ": writes from the slab are fixed");
            assertTrue(stats.plainBufferIos() >= 1, context() + ": the read outside the slab is plain");
        } finally {
            Files.deleteIfExists(slabFile);
        }
    }

    @Test
    void shouldFallBackToUnregisteredBuffersWhenRegistrationFails() throws Exception {
        // The kernel will not pin a shared mapping of a file whose pages it must track for write-back (ext4, xfs):
        // EFAULT from the long-term pin since Linux 6.5, EOPNOTSUPP from io_uring's own check before. tmpfs pages it
        // would pin, so there this reason for the fallback cannot be produced.
        String fileSystem = Files.getFileStore(scratch).type();
        assumeFalse(fileSystem.equals("tmpfs") || fileSystem.equals("ramfs"), "scratch is on " + fileSystem);
        Path slabFile = scratch.resolve("slab");
        try (Arena mapping = Arena.ofConfined();
             FileChannel channel = FileChannel.open(slabFile, StandardOpenOption.CREATE, StandardOpenOption.READ,
                     StandardOpenOption.WRITE);
             QueuePair qp = open(4)) {
            channel.truncate(0);
            channel.write(java.nio.ByteBuffer.allocate(1), 4L * BLOCK - 1);
            MemorySegment slab = channel.map(FileChannel.MapMode.READ_WRITE, 0, 4L * BLOCK, mapping);
            assertEquals(-1, qp.attachBuffer(slab), context() + ": the kernel pinned a MAP_SHARED mapping of a file on "
                    + fileSystem);
            assertFalse(uring(qp).buffersRegistered(), context());
            assertFalse(qp.bufferRegistrationFailure().isEmpty(), context() + ": the fallback says why");
            RecordingHandler h = new RecordingHandler(context());
            MemorySegment written = slab.asSlice(0, 2 * BLOCK);
            fillRandom(written);
            writeSync(qp, h, 1, written, 8 * BLOCK);
            MemorySegment read = slab.asSlice(2 * BLOCK, 2 * BLOCK);
            assertTrue(qp.prepareRead(2, read, 8 * BLOCK, 2 * BLOCK, deadline()), context());
            qp.submit();
            h.pollUntil(qp, 2);
            assertEquals(IoStatus.OK, h.get(2).status(), context());
            assertArrayEquals(written.toArray(ValueLayout.JAVA_BYTE), read.toArray(ValueLayout.JAVA_BYTE), context());
            IoUringStats stats = uring(qp).ringStats();
            assertEquals(0, stats.fixedBufferIos(), context() + ": nothing may use READ_FIXED/WRITE_FIXED");
            assertEquals(2, stats.plainBufferIos(), context());
        }
    }

    /** Records fence releases with their status, and forwards everything to {@code h}. */
    private static final class FenceLog implements QueuePairListener {
        final RecordingHandler h;
        final List<IoStatus> releaseStatuses = new ArrayList<>();
        final List<Long> releaseNanos = new ArrayList<>();

        FenceLog(RecordingHandler h) {
            this.h = h;
        }

        @Override
        public void onTimeout(int queuePairId, int cid, long tag) {
            h.onTimeout(queuePairId, cid, tag);
        }

        @Override
        public void onFenceReleased(int queuePairId, int cid, long tag, IoStatus status) {
            h.onFenceReleased(queuePairId, cid, tag, status);
            releaseStatuses.add(status);
            releaseNanos.add(System.nanoTime());
        }
    }

    @Test
    void shouldTimeOutPromptlyCancelAndKeepTheBufferFencedUntilTheKernelsCompletion() throws Exception {
        try (HeldReadDevice held = HeldReadDevice.open();
             QueuePair qp = held.device().openQueuePair(4)) {
            RecordingHandler h = new RecordingHandler(context());
            FenceLog log = new FenceLog(h);
            qp.listener(log);
            MemorySegment target = held.buffer();
            target.fill((byte) 0x5a);
            long submitted = System.nanoTime();
            assertTrue(qp.prepareRead(2, target, 0, BLOCK, submitted + 30_000_000L), context());
            qp.submit();
            h.pollUntil(qp, 1);
            assertEquals(IoStatus.TIMEOUT, h.get(2).status(), context());
            assertTrue(qp.isFenced(2), context() + ": the buffer stays fenced after TIMEOUT");
            assertEquals(1, qp.fencedCount(), context());
            assertEquals(1, uring(qp).cancelsSubmitted(), context() + ": ASYNC_CANCEL attempted");
            assertEquals(3, qp.freeSlotCount(), context() + ": the fenced slot is not free");
            long end = System.nanoTime() + 10_000_000_000L;
            while (log.releaseStatuses.isEmpty() && System.nanoTime() < end) {
                qp.poll(8, h);
            }
            assertEquals(List.of(2L), h.fenceReleasedTags, context() + ": the kernel's own CQE releases the fence");
            assertFalse(qp.isFenced(2), context());
            assertEquals(0, qp.fencedCount(), context());
            assertEquals(4, qp.freeSlotCount(), context());
            // The read was parked on the socket, where ASYNC_CANCEL finds it: it completes -ECANCELED.
            assertEquals(List.of(IoStatus.ABORTED), log.releaseStatuses, context());
            assertEquals(0, uring(qp).cancelsThatMissed(), context());
            assertEquals(1, h.completions.stream().filter(c -> c.tag() == 2).count(), context()
                    + ": the late CQE completes nothing to the caller");
            held.send((byte) 0x33);
            h.pollTimes(qp, 8);
            for (int b = 0; b < BLOCK; b++) {
                if (target.get(ValueLayout.JAVA_BYTE, b) != 0x5a) {
                    throw new AssertionError(context() + ": the cancelled read wrote the buffer at byte " + b);
                }
            }
        }
    }

    @Test
    void shouldRefuseAnotherThreadNamingBothThreadsWhileTheKernelEnforcesSingleIssuer() throws Exception {
        try (QueuePair qp = open(4)) {
            assertTrue(uring(qp).kernelEnforcesSingleIssuer(), context() + ": SINGLE_ISSUER accepted on Linux 6.0+");
            MemorySegment slab = buffer(BLOCK);
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            Thread intruder = new Thread(() -> {
                try {
                    qp.attachBuffer(slab);
                } catch (Throwable t) {
                    thrown.set(t);
                }
            }, "uring-intruder");
            intruder.start();
            intruder.join();
            assertTrue(thrown.get() instanceof OwnerThreadException, context() + ": got " + thrown.get());
            assertTrue(thrown.get().getMessage().contains("uring-intruder"), thrown.get().getMessage());
            assertTrue(thrown.get().getMessage().contains(Thread.currentThread().getName()),
                    thrown.get().getMessage());
            assertFalse(uring(qp).buffersRegistered(), context() + ": the refused call changed nothing");
        }
    }

    @Test
    void shouldCreateANewRingWhenAnIdleQueuePairIsHandedToAnotherThread() throws Exception {
        QueuePair qp = open(4);
        RecordingHandler h = new RecordingHandler(context());
        MemorySegment b = buffer(BLOCK);
        qp.prepareRead(1, b, 0, BLOCK, deadline());
        qp.submit();
        h.pollUntil(qp, 1);
        long ringsOpen = openRings();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicLong ringsOpenUnderNewOwner = new AtomicLong();
        Thread reactor = new Thread(() -> {
            try {
                qp.prepareRead(2, b, BLOCK, BLOCK, deadline());
                qp.submit();
                h.pollUntil(qp, 2);
                ringsOpenUnderNewOwner.set(openRings());
                qp.close(h, 1_000_000_000L);
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "uring-reactor");
        qp.transferOwnership(reactor);
        reactor.start();
        reactor.join();
        if (failure.get() != null) {
            throw new AssertionError(context() + ": the new owner failed", failure.get());
        }
        assertEquals(IoStatus.OK, h.get(2).status(), context());
        assertEquals(ringsOpen, ringsOpenUnderNewOwner.get(),
                context() + ": the new owner's ring replaced the old one, which it closed");
        assertEquals(ringsOpen - 1, openRings(), context() + ": close closed the new owner's ring");
    }

    @Test
    void shouldRefuseAHandOffWhileCommandsAreInTheKernelNamingBothThreads() throws Exception {
        try (HeldReadDevice held = HeldReadDevice.open()) {
            QueuePair qp = held.device().openQueuePair(4);
            RecordingHandler h = new RecordingHandler(context());
            MemorySegment b = held.buffer();
            qp.prepareRead(1, b, 0, BLOCK, deadline());
            qp.submit();
            Thread original = Thread.currentThread();
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            Thread reactor = new Thread(() -> {
                try {
                    qp.poll(8, h);
                } catch (Throwable t) {
                    thrown.set(t);
                }
                qp.transferOwnership(original);  // give it back so the owner can drain it
            }, "uring-busy-reactor");
            qp.transferOwnership(reactor);
            reactor.start();
            reactor.join();
            assertTrue(thrown.get() instanceof IllegalStateException, context() + ": got " + thrown.get());
            String message = thrown.get().getMessage();
            assertTrue(message.contains("uring-busy-reactor") && message.contains(original.getName()), message);
            held.send((byte) 0x6b);
            h.pollUntil(qp, 1);
            assertEquals(IoStatus.OK, h.get(1).status(), context());
            assertEquals(-1, b.mismatch(filled(held.buffer(), (byte) 0x6b)), context() + ": the read got the block");
            qp.close(h, 1_000_000_000L);
        }
    }

    @Test
    void shouldWaitForTheKernelBeforeCloseReturnsWhenCommandsAreStillInFlight() throws Exception {
        try (HeldReadDevice held = HeldReadDevice.open()) {
            QueuePair qp = held.device().openQueuePair(4);
            RecordingHandler h = new RecordingHandler(context());
            MemorySegment target = held.buffer();
            target.fill((byte) 0x11);
            qp.prepareRead(2, target, 0, BLOCK, deadline());
            qp.submit();
            long ringsOpen = openRings();
            qp.prepareRead(3, held.buffer(), 0, BLOCK, deadline());  // prepared, never submitted
            int failed = qp.close(h, 0);  // no drain: the held read is failed at once
            assertEquals(2, failed, context());
            assertEquals(IoStatus.ABORTED, h.get(2).status(), context());
            assertEquals(IoStatus.ABORTED, h.get(3).status(), context());
            assertEquals(ringsOpen - 1, openRings(), context() + ": the ring is closed");
            byte[] atClose = target.toArray(ValueLayout.JAVA_BYTE);
            // A read the kernel still held would take this block at once; give it ample time to show up.
            held.send((byte) 0x44);
            Thread.sleep(SEND_DELAY_NANOS / 1_000_000);
            assertArrayEquals(atClose, target.toArray(ValueLayout.JAVA_BYTE),
                    context() + ": the kernel touched the buffer after close returned");
        }
    }

    @Test
    void shouldDrainASlowCommandOnCloseWhenGivenTime() throws Exception {
        try (HeldReadDevice held = HeldReadDevice.open()) {
            QueuePair qp = held.device().openQueuePair(4);
            RecordingHandler h = new RecordingHandler(context());
            MemorySegment target = held.buffer();
            qp.prepareRead(1, target, 0, BLOCK, deadline());
            qp.submit();
            Thread sender = held.sendLater(SEND_DELAY_NANOS, (byte) 0x21);
            assertEquals(0, qp.close(h, 5_000_000_000L), context());
            sender.join();
            assertEquals(IoStatus.OK, h.get(1).status(), context());
            assertEquals(-1, target.mismatch(filled(held.buffer(), (byte) 0x21)), context() + ": drained with its data");
        }
    }

    @Test
    void shouldBlockInAwaitCompletionsUntilTheKernelPostsACompletion() throws Exception {
        try (HeldReadDevice held = HeldReadDevice.open();
             QueuePair qp = held.device().openQueuePair(4)) {
            long start0 = System.nanoTime();
            qp.awaitCompletions(5_000_000_000L);
            assertTrue(System.nanoTime() - start0 < 1_000_000_000L, context() + ": nothing in flight returns at once");
            RecordingHandler h = new RecordingHandler(context());
            qp.prepareRead(1, held.buffer(), 0, BLOCK, deadline());
            qp.submit();
            Thread sender = held.sendLater(SEND_DELAY_NANOS, (byte) 0x5c);
            long start = System.nanoTime();
            // Bounded by a few waits: without blocking they would all pass long before the sender sends.
            for (int i = 0; i < 3 && h.completions.isEmpty(); i++) {
                qp.submitAndAwait(5_000_000_000L);
                qp.poll(8, h);
            }
            long waited = System.nanoTime() - start;
            sender.join();
            assertEquals(1, h.completions.size(), context());
            assertEquals(IoStatus.OK, h.get(1).status(), context());
            assertTrue(waited < 5_000_000_000L, context() + ": woke after " + waited + " ns");
        }
    }

    private static MemorySegment filled(MemorySegment segment, byte value) {
        segment.fill(value);
        return segment;
    }

    @Test
    void shouldOpenEveryBackendThroughTheFactory() throws Exception {
        for (dev.pagestore.nvme.Backend backend : dev.pagestore.nvme.Backend.values()) {
            Path file = scratch.resolve("factory-" + backend + ".img");
            try (BlockDevice other = dev.pagestore.nvme.BlockDevices.open(file, backend,
                    DeviceFile.Options.create(1 << 20));
                 QueuePair qp = other.openQueuePair(2)) {
                RecordingHandler h = new RecordingHandler(context() + " backend " + backend);
                MemorySegment b = arena.allocate(BLOCK, BLOCK);
                assertTrue(qp.prepareWrite(1, b, 0, BLOCK, deadline()));
                qp.submit();
                h.pollUntil(qp, 1);
                assertEquals(IoStatus.OK, h.get(1).status(), context() + " backend " + backend);
            }
        }
        assertEquals(dev.pagestore.nvme.Backend.IO_URING, dev.pagestore.nvme.Backend.defaultForThisMachine(),
                context() + ": io_uring works on this machine (the contract tests above used it)");
    }

    @Test
    void shouldSubmitAndWaitInOneIoUringEnter() throws Exception {
        int depth = 8;
        try (QueuePair qp = open(depth)) {
            RecordingHandler h = new RecordingHandler(context());
            MemorySegment slab = buffer(depth * BLOCK);
            for (int i = 0; i < depth; i++) {
                qp.prepareRead(i, slab.asSlice((long) i * BLOCK, BLOCK), randomBlockOffset(BLOCK), BLOCK, deadline());
            }
            IoUringStats before = uring(qp).ringStats();
            assertEquals(depth, qp.submitAndAwait(5_000_000_000L), context());
            IoUringStats after = uring(qp).ringStats();
            assertEquals(1, after.enterCalls() - before.enterCalls(), context() + ": submit and wait share one enter");
            assertEquals(depth, after.sqesSubmitted() - before.sqesSubmitted(), context());
            assertTrue(qp.poll(depth, h) >= 1, context() + ": it returned with a completion ready");
            h.pollUntil(qp, depth);
            assertEquals(1, qp.metrics().doorbells(), context() + ": still one doorbell for the batch");
        }
    }
}

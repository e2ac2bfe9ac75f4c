package dev.pagestore.bench;

import dev.pagestore.wal.AppendCallback;
import dev.pagestore.wal.WriteAheadLog;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * Keeps a fixed number of single-page appends in flight from one driver thread, the way the manager's reactor appends
 * (WalBench's {@code wait=reactor} mode): every slot has its own image and an allocation-free {@link AppendCallback};
 * the WAL writer pushes each durable slot onto an intrusive lock-free stack and, after the batch
 * ({@link WriteAheadLog#afterEveryBatch}), unparks the driver once; the driver re-appends every slot it takes. So "64
 * appenders" here are 64 appends in flight, not 64 threads: the concurrency a reactor with 64 outstanding writes
 * gives the log.
 *
 * <p>Why once per batch: unparked at the first push, the driver woke while the writer was still telling the batch,
 * took a few slots, and re-appended them into a batch of their own; rounds of 64 split into batches of about 40 and
 * 24, each paying a whole fdatasync (bench/HISTORY.md).
 *
 * <p>Thread safety: {@link #run} on the driver thread only; the callbacks run on the WAL writer thread. The stack's
 * CAS is a release and the driver's exchange an acquire, so a slot's {@code failure} is visible to the driver.
 */
final class WalInFlightDriver {

    /** One append in flight: its page, image, start time and link in the stack of durable slots. */
    private final class Slot implements AppendCallback {
        final long[] page = new long[1];
        final MemorySegment[] image = new MemorySegment[1];
        long startedNanos;
        Slot nextDone;
        Throwable failure;

        @Override
        public void onDurable(long lsn) {
            push(this);
        }

        @Override
        public void onFailed(Throwable failure) {
            this.failure = failure;
            push(this);
        }
    }

    private final WriteAheadLog wal;
    private final Slot[] slots;
    private final AtomicReference<Slot> done = new AtomicReference<>();
    private volatile Thread driver;

    WalInFlightDriver(WriteAheadLog wal, int inFlight, int pageSize, long firstPage, Arena arena) {
        this.wal = wal;
        this.slots = new Slot[inFlight];
        for (int i = 0; i < inFlight; i++) {
            Slot slot = new Slot();
            slot.image[0] = arena.allocate(pageSize, 4096);
            slot.image[0].fill((byte) i);
            slot.page[0] = firstPage + i * 1_000_000L;
            slots[i] = slot;
        }
    }

    private void push(Slot slot) {
        Slot top;
        do {
            top = done.get();
            slot.nextDone = top;
        } while (!done.compareAndSet(top, slot));
    }

    /** The WAL's after-batch task: wakes the driver once per batch, after every slot of it is on the stack. */
    private void afterBatch() {
        if (done.get() != null) {
            LockSupport.unpark(driver);
        }
    }

    /**
     * Appends every slot, then re-appends each one as it becomes durable until {@code stop} is set, recording each
     * append's commit latency in {@code latencies} while {@code measuring} is set; waits for the last ones.
     *
     * @return the number of appends made durable while measuring
     */
    long run(AtomicBoolean measuring, AtomicBoolean stop, Histogram latencies) {
        driver = Thread.currentThread();
        try (WriteAheadLog.AfterBatch ignored = wal.afterEveryBatch(this::afterBatch)) {
            return drive(measuring, stop, latencies);
        }
    }

    private long drive(AtomicBoolean measuring, AtomicBoolean stop, Histogram latencies) {
        for (Slot slot : slots) {
            append(slot);
        }
        long measured = 0;
        int outstanding = slots.length;
        while (outstanding > 0) {
            Slot slot = done.getAndSet(null);
            if (slot == null) {
                LockSupport.park(this);
                continue;
            }
            boolean recording = measuring.get();
            boolean again = !stop.get();
            long now = System.nanoTime();
            while (slot != null) {
                Slot next = slot.nextDone;
                slot.nextDone = null;
                if (slot.failure != null) {
                    throw new IllegalStateException("WAL append failed", slot.failure);
                }
                if (recording) {
                    latencies.recordValue((now - slot.startedNanos) / 1000);
                    measured++;
                }
                if (again) {
                    append(slot);
                } else {
                    outstanding--;
                }
                slot = next;
            }
        }
        return measured;
    }

    private void append(Slot slot) {
        slot.page[0]++;
        slot.startedNanos = System.nanoTime();
        wal.append(slot.page, slot.image, 1, slot);
    }
}

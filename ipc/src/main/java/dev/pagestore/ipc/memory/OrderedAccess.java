package dev.pagestore.ipc.memory;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Ordered loads and stores of aligned 64-bit and 32-bit words in a {@link MemorySegment} that another process also
 * maps. Every access to a word that crosses processes goes through here, so the ordering is named at the call site
 * ({@code getLongAcquire}, {@code setLongRelease}) and never left to a plain access (STYLE.md, "Memory ordering").
 *
 * <h2>Why these modes</h2>
 * A single-producer/single-consumer ring needs only acquire/release: the producer writes an entry with plain stores
 * and then publishes its sequence with a release store, which keeps the entry's stores before it (StoreStore); the
 * consumer reads the sequence with an acquire load, which keeps its entry loads after it (LoadLoad). The one place that
 * needs more is the sleep/wake handshake (Dekker: store my flag, then load your word), which adds an explicit
 * {@link VarHandle#fullFence()} at the call site with a comment saying so.
 *
 * <p>The handles are {@code ValueLayout.JAVA_LONG/JAVA_INT.varHandle()}: coordinates {@code (segment, offset)}, native
 * byte order, and they throw on a misaligned address, so a layout bug fails loudly instead of tearing.
 * Thread safety: stateless.
 */
public final class OrderedAccess {
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    static {
        // The futex word of a sequence is its low 32 bits at the same address: true on little-endian x86_64/aarch64.
        assert ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN : "pagestore shared memory assumes little endian";
    }

    private OrderedAccess() {
    }

    /** Acquire load: later loads and stores of this thread stay after it. */
    public static long getLongAcquire(MemorySegment segment, long offset) {
        return (long) LONG.getAcquire(segment, offset);
    }

    /** Release store: earlier loads and stores of this thread stay before it. */
    public static void setLongRelease(MemorySegment segment, long offset, long value) {
        LONG.setRelease(segment, offset, value);
    }

    /** Acquire load of a 32-bit word. */
    public static int getIntAcquire(MemorySegment segment, long offset) {
        return (int) INT.getAcquire(segment, offset);
    }

    /** Release store of a 32-bit word. */
    public static void setIntRelease(MemorySegment segment, long offset, int value) {
        INT.setRelease(segment, offset, value);
    }

    /** Atomic compare-and-set of a 32-bit word (volatile semantics); returns whether it stored. */
    public static boolean compareAndSetInt(MemorySegment segment, long offset, int expected, int value) {
        return INT.compareAndSet(segment, offset, expected, value);
    }

    /** Atomic compare-and-exchange of a 32-bit word (volatile semantics); returns the value found. */
    public static int compareAndExchangeInt(MemorySegment segment, long offset, int expected, int value) {
        return (int) INT.compareAndExchange(segment, offset, expected, value);
    }

    /** Atomic exchange of a 32-bit word (volatile semantics); returns the value it replaced. */
    public static int getAndSetInt(MemorySegment segment, long offset, int value) {
        return (int) INT.getAndSet(segment, offset, value);
    }
}

package dev.pagestore.client;

import dev.pagestore.ipc.ring.RequestDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CompletableFuture;

/**
 * One posted request, from its registration in a {@link PendingTable} to its final answer. Several threads may try
 * to end it: the completion thread (the manager's answer), a thread that learns the manager died, the poster whose
 * publish failed, a synchronous caller whose deadline passed. Exactly one wins {@link #finish()}, and only the winner
 * completes the future or, for a read, writes into the caller's destination: a caller told TIMEOUT finds its buffer
 * untouched afterwards.
 */
final class Pending {
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Pending.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final CompletableFuture<Object> future = new CompletableFuture<>();
    /** The request id, set when registered ({@link PendingTable#register}). */
    long id = -1;
    final int slot;
    final byte opcode;
    final long pageNumber;
    /** For reads: where the page goes (null: a new byte[] is the result). */
    final MemorySegment destination;
    /** For writes: the CRC-32C of the caller's data, which the manager checks its own copy of the slot against. */
    int checksum;
    /** Whether {@link #checksum} is set (a write). */
    boolean checksummed;
    /** 0 while nobody has ended the request, 1 once one party has (see {@link #finish()}). */
    @SuppressWarnings("unused")  // through STATE
    private volatile int state;

    Pending(int slot, byte opcode, long pageNumber, MemorySegment destination) {
        this.slot = slot;
        this.opcode = opcode;
        this.pageNumber = pageNumber;
        this.destination = destination;
    }

    /** The operation's name for messages. */
    String opcodeName() {
        return switch (opcode) {
            case RequestDescriptor.OPCODE_READ -> "read";
            case RequestDescriptor.OPCODE_WRITE -> "write";
            case RequestDescriptor.OPCODE_FLUSH -> "flush";
            case RequestDescriptor.OPCODE_BATCH_BEGIN -> "batch begin";
            case RequestDescriptor.OPCODE_BATCH_END -> "batch end";
            default -> "opcode " + opcode;
        };
    }

    /** Takes the one right to end this request; true for the first caller only. */
    boolean finish() {
        return STATE.compareAndSet(this, 0, 1);
    }
}

package dev.pagestore.client;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;

/**
 * What {@link PendingTable#answer} hands the thread that read a completion, captured under the table's monitor: once
 * the entry is freed another request may reuse it. One per connection, used by the reaping lock's holder only.
 */
final class PendingAnswer {
    /** {@link PendingTable#answer} results: what the thread that read the completion does next. */
    static final int UNMAPPED = 0;
    /** An asynchronous request that only the completion thread may deliver: stop here. */
    static final int LEAVE = 1;
    /** A synchronous or polled request is answered: unpark {@link #waiter} (null for a polled one). */
    static final int WAKE = 2;
    /** An asynchronous request: copy its page, call {@link PendingTable#delivered}, complete {@link #future}. */
    static final int DELIVER = 3;
    /** An asynchronous request was fenced at its deadline: fail {@link #future} with TIMEOUT. */
    static final int FAIL_TIMEOUT = 4;
    /** Nothing to deliver (the final completion of an abandoned request, now free). */
    static final int DONE = 5;

    /** The entry the answer went to. */
    Pending entry;
    Thread waiter;
    CompletableFuture<Object> future;
    MemorySegment destination;
    byte opcode;
    long pageNumber;
    int slot;
}

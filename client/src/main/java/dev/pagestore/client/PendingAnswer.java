package dev.pagestore.client;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;

/**
 * What {@link PendingTable#answer} hands the thread that read a completion, captured under the table's monitor: once
 * the entry is freed another request may reuse it. One per connection, used by the reaping lock's holder only.
 */
final class PendingAnswer {
    Thread waiter;
    CompletableFuture<Object> future;
    MemorySegment destination;
    byte opcode;
    long pageNumber;
    int slot;
}

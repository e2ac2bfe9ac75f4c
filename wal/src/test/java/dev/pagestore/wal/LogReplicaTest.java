package dev.pagestore.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** The log and its replica: what an acknowledged append promises about the replica, and what a restart gives it. */
class LogReplicaTest {
    private static final WalConfig CONFIG = WalTestSupport.smallConfig(21);
    private static final int PAGE = CONFIG.pageSizeBytes();

    /** A replica in memory: the records it holds (sent, then awaited), by LSN; fails its next wait when told to. */
    static final class MemoryReplica implements LogReplica {
        final List<Long> added = new ArrayList<>();
        final List<Long> sent = new ArrayList<>();
        final List<Long> held = new ArrayList<>();
        final List<Long> heldRecordIds = new ArrayList<>();
        private final List<Long> addedRecordIds = new ArrayList<>();
        private final List<Long> sentRecordIds = new ArrayList<>();
        volatile boolean failNextWait;

        @Override
        public synchronized void add(long lsn, MemorySegment buffer, long offset, long length) {
            MemorySegment record = buffer.asSlice(offset, length);
            assertTrue(WalRecordDescriptor.crcMatches(record, 0), "a sealed record at lsn " + lsn);
            assertEquals(lsn, WalRecordDescriptor.lsn(record, 0));
            added.add(lsn);
            addedRecordIds.add(WalTestSupport.recordIdOf(WalTestSupport.imageOf(record, 0)));
        }

        @Override
        public synchronized void send() {
            sent.addAll(added);
            sentRecordIds.addAll(addedRecordIds);
            added.clear();
            addedRecordIds.clear();
        }

        @Override
        public synchronized void awaitHeld() throws IOException {
            if (failNextWait) {
                throw new IOException("the quorum is gone");
            }
            held.addAll(sent);
            heldRecordIds.addAll(sentRecordIds);
            sent.clear();
            sentRecordIds.clear();
        }

        synchronized boolean holds(long lsn) {
            return held.contains(lsn);
        }
    }

    private static SimulatedLogDirectory simulated(long seed) {
        return new SimulatedLogDirectory(SimulatedLogDirectory.Settings.of(seed, CONFIG.segmentSizeBytes()));
    }

    @Test
    void shouldAcknowledgeAnAppendOnlyOnceTheReplicaHoldsIt() throws IOException {
        MemoryReplica replica = new MemoryReplica();
        try (SimulatedLogDirectory directory = simulated(1); Arena arena = Arena.ofShared();
                WriteAheadLog wal = WriteAheadLog.open(directory, CONFIG, PageReplayer.NONE,
                        WalOpenOptions.lenient().withReplica(replica))) {
            List<CompletableFuture<Long>> futures = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                futures.add(wal.append(i % 13, WalTestSupport.page(arena, PAGE, i, i % 13))
                        .thenApply(lsn -> {
                            assertTrue(replica.holds(lsn), "lsn " + lsn + " acknowledged before the replica held it");
                            return lsn;
                        }));
            }
            List<Long> acknowledged = new ArrayList<>();
            for (CompletableFuture<Long> future : futures) {
                acknowledged.add(future.join());
            }
            synchronized (replica) {
                assertEquals(acknowledged, replica.held, "the replica holds every record, in log order");
            }
        }
    }

    @Test
    void shouldFailTheLogWhenTheReplicaCannotHoldACommit() throws IOException {
        MemoryReplica replica = new MemoryReplica();
        try (SimulatedLogDirectory directory = simulated(2); Arena arena = Arena.ofShared();
                WriteAheadLog wal = WriteAheadLog.open(directory, CONFIG, PageReplayer.NONE,
                        WalOpenOptions.lenient().withReplica(replica))) {
            wal.append(1, WalTestSupport.page(arena, PAGE, 1, 1)).join();
            replica.failNextWait = true;
            CompletionException failed = assertThrows(CompletionException.class,
                    () -> wal.append(2, WalTestSupport.page(arena, PAGE, 2, 2)).join());
            assertInstanceOf(WalFailedException.class, failed.getCause());
            assertTrue(failed.getCause().getMessage().contains("the quorum is gone"), failed.getCause().getMessage());
            replica.failNextWait = false;
            CompletionException later = assertThrows(CompletionException.class,
                    () -> wal.append(3, WalTestSupport.page(arena, PAGE, 3, 3)).join());
            assertInstanceOf(WalFailedException.class, later.getCause(), "a failed replica is final, as fsyncgate");
        }
    }

    @Test
    void shouldGiveTheReplicaEveryRecordAfterTheRedoPointBeforeARestartServes() throws IOException {
        try (SimulatedLogDirectory directory = simulated(3); Arena arena = Arena.ofShared()) {
            try (WriteAheadLog wal = WriteAheadLog.open(directory, CONFIG, PageReplayer.NONE)) {
                for (int i = 0; i < 5; i++) {
                    wal.append(i, WalTestSupport.page(arena, PAGE, i, i)).join();
                }
                wal.checkpoint(upTo -> { });
                for (int i = 5; i < 12; i++) {
                    wal.append(i, WalTestSupport.page(arena, PAGE, i, i)).join();
                }
            }
            MemoryReplica replica = new MemoryReplica();
            try (WriteAheadLog wal = WriteAheadLog.open(directory, CONFIG, PageReplayer.NONE,
                    WalOpenOptions.lenient().withReplica(replica))) {
                synchronized (replica) {
                    assertEquals(List.of(5L, 6L, 7L, 8L, 9L, 10L, 11L), replica.heldRecordIds,
                            "the records after the redo point, held before open returns");
                }
                wal.append(12, WalTestSupport.page(arena, PAGE, 12, 12)).join();
                synchronized (replica) {
                    assertEquals(12L, replica.heldRecordIds.getLast());
                }
            }
        }
    }
}

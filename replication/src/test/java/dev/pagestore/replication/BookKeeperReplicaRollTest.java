package dev.pagestore.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.replication.cluster.LocalCluster;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.bookkeeper.client.api.BookKeeper;
import org.apache.bookkeeper.client.api.DigestType;
import org.apache.bookkeeper.client.api.ReadHandle;
import org.apache.bookkeeper.client.api.WriteHandle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The replica's rollover on real bookies: it rolls only at a checkpoint once the ledger holds enough, closes the old
 * ledger before it lists the new one, puts the roll off when no new ledger can be made, and fails the log when the
 * new ledger cannot be listed (the epoch may be another primary's).
 */
class BookKeeperReplicaRollTest {
    private static final byte[] PASSWORD = "roll-test".getBytes(StandardCharsets.UTF_8);
    private static final long ROLL_BYTES = ReplicationConfig.ENTRY_BYTES_MAX;
    private static final int RECORD = 64 * 1024;

    @TempDir
    static Path root;
    private static LocalCluster cluster;
    private static BookKeeper client;

    @BeforeAll
    static void start() throws Exception {
        cluster = LocalCluster.start(root.resolve("cluster"));
        client = BookKeeper.newBuilder(ReplicatedPrimary.clientConfiguration(
                ReplicationConfig.of(cluster.metadataServiceUri()))).build();
    }

    @AfterAll
    static void stop() throws Exception {
        if (client != null) {
            client.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    /** Makes ledgers, failing while {@link #refuseCreate} or {@link #refuseList} say so; remembers what it listed. */
    private static final class Ledgers implements BookKeeperReplica.NextLedger {
        volatile boolean refuseCreate;
        volatile boolean refuseList;
        final List<Long> listed = new ArrayList<>();

        @Override
        public WriteHandle create() throws IOException {
            if (refuseCreate) {
                throw new IOException("no bookies now");
            }
            return make();
        }

        @Override
        public void list(WriteHandle ledger) throws IOException {
            if (refuseList) {
                throw new ReplicaFencedException("another primary holds the epoch", null);
            }
            listed.add(ledger.getId());
        }
    }

    private static WriteHandle make() throws IOException {
        try {
            return client.newCreateLedgerOp().withEnsembleSize(3).withWriteQuorumSize(3).withAckQuorumSize(2)
                    .withDigestType(DigestType.CRC32C).withPassword(PASSWORD).execute().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IOException(e);
        }
    }

    /** One commit of {@code records} records of 64 KiB, sent and held. */
    private static void commit(BookKeeperReplica replica, long firstLsn, int records) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment record = arena.allocate(RECORD);
            for (int i = 0; i < records; i++) {
                record.fill((byte) (firstLsn + i));
                replica.add(firstLsn + i, record, 0, RECORD);
            }
        }
        replica.send();
        replica.awaitHeld();
    }

    @Test
    void shouldRollAtACheckpointOnlyOnceTheLedgerIsFullAndPutTheRollOffWhenNoLedgerCanBeMade() throws Exception {
        Ledgers ledgers = new Ledgers();
        WriteHandle first = make();
        BookKeeperReplica replica = new BookKeeperReplica(first, ledgers, ROLL_BYTES, "roll test",
                Duration.ofSeconds(10), -1);
        commit(replica, 1, 4);  // 256 KiB
        replica.checkpointed(1);
        commit(replica, 5, 1);
        assertEquals(first.getId(), replica.ledgerId(), "a checkpoint before the ledger is full rolls nothing");

        commit(replica, 6, 16);  // past 1 MiB
        ledgers.refuseCreate = true;
        replica.checkpointed(2);
        commit(replica, 22, 1);
        assertEquals(first.getId(), replica.ledgerId(), "no ledger could be made: the log stays, and goes on");
        assertEquals(List.of(), ledgers.listed);

        ledgers.refuseCreate = false;
        commit(replica, 23, 1);
        assertEquals(first.getId(), replica.ledgerId(), "the roll waits for the next checkpoint");
        replica.checkpointed(3);
        commit(replica, 24, 1);
        long second = replica.ledgerId();
        assertNotEquals(first.getId(), second);
        assertEquals(List.of(second), ledgers.listed);
        try (ReadHandle old = client.newOpenLedgerOp().withLedgerId(first.getId()).withPassword(PASSWORD)
                .withRecovery(false).execute().get(30, TimeUnit.SECONDS)) {
            assertTrue(old.isClosed(), "the old ledger is closed before the new one is listed");
            assertEquals(old.getLastAddConfirmed(), replica.entriesSent() - 2,
                    "every entry before the roll is in the old ledger, the roll's commit in the new one");
        }
        replica.discard();
        replica.closeLedger(Duration.ofSeconds(10));
    }

    @Test
    void shouldFailTheLogWhenTheNewLedgerCannotBeListed() throws Exception {
        Ledgers ledgers = new Ledgers();
        BookKeeperReplica replica = new BookKeeperReplica(make(), ledgers, ROLL_BYTES, "roll test",
                Duration.ofSeconds(10), -1);
        commit(replica, 1, 17);
        ledgers.refuseList = true;
        replica.checkpointed(1);
        try (Arena arena = Arena.ofConfined()) {
            replica.add(18, arena.allocate(RECORD), 0, RECORD);
        }
        assertThrows(ReplicaFencedException.class, replica::send,
                "a ledger that cannot be listed would hold acknowledged writes no standby can find");
        replica.discard();
    }
}

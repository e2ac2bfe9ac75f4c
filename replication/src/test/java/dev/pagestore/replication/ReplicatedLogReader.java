package dev.pagestore.replication;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.bookkeeper.client.api.BookKeeper;
import org.apache.bookkeeper.client.api.LedgerEntries;
import org.apache.bookkeeper.client.api.LedgerEntry;
import org.apache.bookkeeper.client.api.ReadHandle;
import org.apache.bookkeeper.conf.ClientConfiguration;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooKeeper;

/**
 * Reads a replicated store's whole log, ledger by ledger in the order of its list, entry by entry up to what each
 * ledger's quorum confirmed, and hands on every record checked ({@link EntryRecords}). Without fencing it reads what
 * is confirmed now and disturbs no primary; with fencing it first closes each open ledger by recovery, as a new
 * primary does, so that what it reads is final.
 */
public final class ReplicatedLogReader {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final int ENTRIES_PER_READ = 64;

    /** Receives each record with where it came from; the record is valid only during the call. */
    @FunctionalInterface
    public interface RecordSink {
        void onRecord(long ledgerId, long entryId, MemorySegment record) throws IOException;
    }

    private ReplicatedLogReader() {
    }

    /**
     * Reads every record of store {@code storeId}'s ledgers in log order.
     *
     * @return the number of records read
     */
    public static long readAll(ReplicationConfig config, UUID storeId, boolean fence, RecordSink sink)
            throws IOException {
        ZooKeeper zk = ZooKeeperSession.connect(config.zookeeperConnectString(), config.sessionTimeout(), TIMEOUT);
        try {
            String path = StoreZnodes.ledgers(storeId);
            List<StoreZnodes.Ledger> ledgers = StoreZnodes.decodeLedgers(path, zk.getData(path, false, null));
            ClientConfiguration conf = new ClientConfiguration();
            conf.setMetadataServiceUri(config.metadataServiceUri());
            byte[] password = storeId.toString().getBytes(StandardCharsets.UTF_8);
            long records = 0;
            try (BookKeeper bookKeeper = BookKeeper.newBuilder(conf).build()) {
                for (StoreZnodes.Ledger ledger : ledgers) {
                    records += readLedger(bookKeeper, ledger.ledgerId(), password, fence, sink);
                }
            }
            return records;
        } catch (KeeperException.NoNodeException e) {
            throw new IOException("the metadata service " + config.metadataServiceUri() + " has no store " + storeId);
        } catch (KeeperException e) {
            throw new IOException("ZooKeeper refused " + e.getPath() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted reading store " + storeId + "'s log");
        } catch (org.apache.bookkeeper.client.api.BKException | ExecutionException | TimeoutException e) {
            throw new IOException("reading store " + storeId + "'s ledgers: " + e, e);
        } finally {
            ZooKeeperSession.close(zk);
        }
    }

    private static long readLedger(BookKeeper bookKeeper, long ledgerId, byte[] password, boolean fence,
            RecordSink sink) throws IOException, InterruptedException, ExecutionException, TimeoutException,
            org.apache.bookkeeper.client.api.BKException {
        long records = 0;
        try (ReadHandle handle = bookKeeper.newOpenLedgerOp().withLedgerId(ledgerId).withPassword(password)
                .withRecovery(fence).execute().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            long last = handle.getLastAddConfirmed();
            for (long first = 0; first <= last; first += ENTRIES_PER_READ) {
                long to = Math.min(last, first + ENTRIES_PER_READ - 1);
                try (LedgerEntries entries = handle.read(first, to)) {
                    for (LedgerEntry entry : entries) {
                        long entryId = entry.getEntryId();
                        MemorySegment bytes = MemorySegment.ofBuffer(entry.getEntryNioBuffer());
                        records += EntryRecords.forEach(bytes, "ledger " + ledgerId + " entry " + entryId,
                                record -> sink.onRecord(ledgerId, entryId, record));
                    }
                }
            }
        }
        return records;
    }
}

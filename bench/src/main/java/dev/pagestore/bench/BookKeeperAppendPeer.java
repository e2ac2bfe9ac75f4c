package dev.pagestore.bench;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.bookkeeper.client.api.BookKeeper;
import org.apache.bookkeeper.client.api.DigestType;
import org.apache.bookkeeper.client.api.WriteHandle;
import org.apache.bookkeeper.conf.ClientConfiguration;

/**
 * The replicated log's ceiling on this machine: BookKeeper's own client appending to one ledger, with the store's
 * quorums (3/3/2) and digest, {@code inFlight} adds outstanding, each of {@code entryBytes}. It measures what the
 * bookies take when nothing of pagestore is in the way, as fio does for the local log.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp 'pagestore/target/lib/*:bench/target/classes' \
 *     dev.pagestore.bench.BookKeeperAppendPeer zk+hierarchical://127.0.0.1:PORT/ledgers 4160 64 10
 * </pre>
 * Arguments: the metadata service, bytes per entry, adds in flight, seconds measured (after as long a warm-up).
 * Prints one line: adds/s, MB/s and the mean add latency.
 */
public final class BookKeeperAppendPeer {
    private BookKeeperAppendPeer() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            System.err.println("usage: BookKeeperAppendPeer METADATA_URI ENTRY_BYTES IN_FLIGHT SECONDS");
            System.exit(2);
        }
        int entryBytes = Integer.parseInt(args[1]);
        int inFlight = Integer.parseInt(args[2]);
        long seconds = Long.parseLong(args[3]);
        ClientConfiguration conf = new ClientConfiguration();
        conf.setMetadataServiceUri(args[0]);
        conf.setDelayEnsembleChange(true);
        conf.setNumWorkerThreads(2);
        conf.setNumIOThreads(2);
        byte[] entry = new byte[entryBytes];
        try (BookKeeper bookKeeper = BookKeeper.newBuilder(conf).build();
                WriteHandle ledger = bookKeeper.newCreateLedgerOp().withEnsembleSize(3).withWriteQuorumSize(3)
                        .withAckQuorumSize(2).withDigestType(DigestType.CRC32C).withPassword(new byte[8]).execute()
                        .get(30, TimeUnit.SECONDS)) {
            run(ledger, entry, inFlight, TimeUnit.SECONDS.toNanos(seconds));  // warm-up
            long started = System.nanoTime();
            long adds = run(ledger, entry, inFlight, TimeUnit.SECONDS.toNanos(seconds));
            double elapsed = (System.nanoTime() - started) / 1e9;
            System.out.printf("bookkeeper 3/3/2: %d-byte entries, %d in flight: %.0f adds/s, %.1f MB/s, mean add"
                    + " %.0f us%n", entryBytes, inFlight, adds / elapsed, adds * (double) entryBytes / elapsed / 1e6,
                    elapsed * 1e6 * inFlight / adds);
        }
    }

    private static long run(WriteHandle ledger, byte[] entry, int inFlight, long nanos) throws Exception {
        @SuppressWarnings("unchecked")
        CompletableFuture<Long>[] outstanding = new CompletableFuture[inFlight];
        long deadline = System.nanoTime() + nanos;
        long adds = 0;
        for (int i = 0; System.nanoTime() < deadline; i = (i + 1) % inFlight) {
            if (outstanding[i] != null) {
                outstanding[i].get();
                adds++;
            }
            outstanding[i] = ledger.appendAsync(entry);
        }
        for (CompletableFuture<Long> add : outstanding) {
            if (add != null) {
                add.get();
                adds++;
            }
        }
        return adds;
    }
}

package dev.pagestore.replication;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * Where a store's log is replicated and how: the BookKeeper metadata service (ZooKeeper) and the quorums of each
 * ledger.
 *
 * @param metadataServiceUri BookKeeper's metadata service, {@code zk+hierarchical://HOST:PORT[,HOST:PORT...]/ledgers}
 *                           ({@code pagestore cluster} prints it); pagestore keeps its own records under
 *                           {@code /pagestore} of the same ZooKeeper
 * @param ensembleSize       bookies a ledger's entries are spread over
 * @param writeQuorum        bookies each entry is written to
 * @param ackQuorum          bookies that must hold an entry before a commit is acknowledged
 * @param addTimeout         how long a commit waits for its quorum before the log fails
 * @param sessionTimeout     the ZooKeeper session: how long a dead primary is taken for alive
 * @param standby            start as a standby: apply the primary's ledgers, serve reads, and take over (become the
 *                           primary) when the primary's session ends
 * @param ledgerRollBytes    a primary closes its ledger and goes on in a new one at the first checkpoint after the
 *                           ledger holds this many bytes, so ledgers end where a checkpoint put the redo point
 */
public record ReplicationConfig(String metadataServiceUri, int ensembleSize, int writeQuorum, int ackQuorum,
        Duration addTimeout, Duration sessionTimeout, boolean standby, long ledgerRollBytes) {
    /** A ledger per 64 MiB of log, as a WAL segment (the default). */
    public static final long DEFAULT_LEDGER_ROLL_BYTES = 64L << 20;
    /** An entry holds the records of one commit, split when larger (BookKeeper's frames stop at 5 MiB). */
    static final int ENTRY_BYTES_MAX = 1 << 20;

    public ReplicationConfig {
        Objects.requireNonNull(metadataServiceUri, "metadataServiceUri");
        zookeeperConnectString(metadataServiceUri);  // checks its shape
        if (ensembleSize < 1 || writeQuorum < 1 || ackQuorum < 1 || ackQuorum > writeQuorum
                || writeQuorum > ensembleSize) {
            throw new IllegalArgumentException("quorum " + ensembleSize + "/" + writeQuorum + "/" + ackQuorum
                    + " is not ensemble >= write quorum >= ack quorum >= 1");
        }
        Objects.requireNonNull(addTimeout, "addTimeout");
        Objects.requireNonNull(sessionTimeout, "sessionTimeout");
        if (addTimeout.toSeconds() < 1) {
            throw new IllegalArgumentException("addTimeout=" + addTimeout + " is under BookKeeper's 1 s granularity");
        }
        if (sessionTimeout.toMillis() < 1000) {
            throw new IllegalArgumentException("sessionTimeout=" + sessionTimeout + " is under 1 s");
        }
        if (ledgerRollBytes < ENTRY_BYTES_MAX) {
            throw new IllegalArgumentException("ledgerRollBytes=" + ledgerRollBytes + " is under one entry's "
                    + ENTRY_BYTES_MAX + " bytes");
        }
    }

    /** Ledgers of 3 bookies, written to 3, acknowledged by 2; a commit waits up to 10 s; sessions of 4 s. */
    public static ReplicationConfig of(String metadataServiceUri) {
        return new ReplicationConfig(metadataServiceUri, 3, 3, 2, Duration.ofSeconds(10), Duration.ofSeconds(4), false,
                DEFAULT_LEDGER_ROLL_BYTES);
    }

    /** As this, with quorums written {@code E/W/A} (for example {@code 3/3/2}). */
    public ReplicationConfig withQuorum(String ensembleWriteAck) {
        String[] parts = ensembleWriteAck.split("/", -1);
        if (parts.length != 3) {
            throw new IllegalArgumentException("quorum '" + ensembleWriteAck + "' is not ENSEMBLE/WRITE/ACK, such as"
                    + " 3/3/2");
        }
        try {
            return new ReplicationConfig(metadataServiceUri, Integer.parseInt(parts[0]), Integer.parseInt(parts[1]),
                    Integer.parseInt(parts[2]), addTimeout, sessionTimeout, standby, ledgerRollBytes);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("quorum '" + ensembleWriteAck + "' is not three numbers, such as 3/3/2");
        }
    }

    public ReplicationConfig withAddTimeout(Duration value) {
        return new ReplicationConfig(metadataServiceUri, ensembleSize, writeQuorum, ackQuorum, value, sessionTimeout,
                standby, ledgerRollBytes);
    }

    public ReplicationConfig withSessionTimeout(Duration value) {
        return new ReplicationConfig(metadataServiceUri, ensembleSize, writeQuorum, ackQuorum, addTimeout, value,
                standby, ledgerRollBytes);
    }

    public ReplicationConfig withStandby(boolean value) {
        return new ReplicationConfig(metadataServiceUri, ensembleSize, writeQuorum, ackQuorum, addTimeout,
                sessionTimeout, value, ledgerRollBytes);
    }

    public ReplicationConfig withLedgerRollBytes(long value) {
        return new ReplicationConfig(metadataServiceUri, ensembleSize, writeQuorum, ackQuorum, addTimeout,
                sessionTimeout, standby, value);
    }

    /** The ZooKeeper hosts of the metadata service URI, as ZooKeeper's client takes them. */
    public String zookeeperConnectString() {
        return zookeeperConnectString(metadataServiceUri);
    }

    private static String zookeeperConnectString(String uri) {
        URI parsed;
        try {
            parsed = URI.create(uri);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("metadata service '" + uri + "' is not a URI: " + e.getMessage());
        }
        String scheme = parsed.getScheme();
        String hosts = parsed.getRawAuthority();
        if (scheme == null || !scheme.startsWith("zk") || hosts == null || hosts.isEmpty()) {
            throw new IllegalArgumentException("metadata service '" + uri + "' is not zk+hierarchical://HOST:PORT"
                    + "/ledgers (pagestore cluster prints one)");
        }
        return hosts.replace(';', ',');
    }
}

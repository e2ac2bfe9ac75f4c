package dev.pagestore.replication.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The configuration files of the local cluster's ZooKeeper and bookies, one key per line, written at every start from
 * the {@link ClusterRecord} (so the ports, hence the bookies' IDs and cookies, never change).
 *
 * <h2>Why these values</h2>
 * One machine runs ZooKeeper, the bookies, the manager and its tests (two cores in CI), so threads are few. The
 * durability keys keep BookKeeper's defaults (an ack after the journal's fsync), for the WAL's latency measured here
 * is the real one. The timeouts are short so that a bookie restarted after {@code kill -9} does not wait long for its
 * old ZooKeeper registration to expire ({@value #BOOKIE_ZK_TIMEOUT_MILLIS} ms; BookKeeper's default is 10 s), and the
 * tick is short because ZooKeeper expires sessions only on tick boundaries: a primary's death is noticed at most one
 * {@value #TICK_MILLIS} ms tick after its session timeout, not one 3 s default tick after. ZooKeeper grants sessions
 * from 2 to 20 ticks unless told otherwise, so the range is set explicitly ({@value #MIN_SESSION_MILLIS} ms to
 * {@value #MAX_SESSION_MILLIS} ms). Sources: BookKeeper's {@code ServerConfiguration} and {@code conf/bk_server.conf}
 * (4.18), ZooKeeper's administrator's guide (3.9).
 */
final class ServiceConfigs {
    static final String ZOOKEEPER_FILE = "zookeeper.cfg";
    static final int TICK_MILLIS = 100;
    static final int MIN_SESSION_MILLIS = 1_000;
    static final int MAX_SESSION_MILLIS = 30_000;
    static final int BOOKIE_ZK_TIMEOUT_MILLIS = 4_000;
    /** BookKeeper's ledger metadata root, the path of {@link LocalCluster#metadataServiceUri()}. */
    static final String LEDGERS_ROOT = "/ledgers";

    private ServiceConfigs() {
    }

    static String bookieFile(int index) {
        return "bookie-" + index + ".conf";
    }

    /** The ID a bookie registers under: {@code advertisedAddress:bookiePort}. */
    static String bookieId(int port) {
        return "127.0.0.1:" + port;
    }

    /** Writes {@code DIR/conf/zookeeper.cfg} and returns its path. */
    static Path writeZookeeper(ClusterDirectory directory, ClusterRecord record) throws IOException {
        List<String> lines = new ArrayList<>(List.of(
                "tickTime=" + TICK_MILLIS,
                "minSessionTimeout=" + MIN_SESSION_MILLIS,
                "maxSessionTimeout=" + MAX_SESSION_MILLIS,
                "dataDir=" + directory.zookeeperData(),
                "clientPort=" + record.zookeeperPort(),
                "clientPortAddress=127.0.0.1",
                // no limit per client address: every client is 127.0.0.1
                "maxClientCnxns=0",
                // Jetty is not on the class path: without this ZooKeeper tries, warns and falls back
                "admin.enableServer=false",
                // the transaction log grows in 4 MiB steps, not 64 MiB
                "preAllocSize=4096",
                // a cluster left running for days (the demo) keeps three snapshots, purged hourly
                "autopurge.snapRetainCount=3",
                "autopurge.purgeInterval=1"));
        return write(directory.config(ZOOKEEPER_FILE), lines);
    }

    /** Writes {@code DIR/conf/bookie-I.conf} and returns its path. */
    static Path writeBookie(ClusterDirectory directory, ClusterRecord record, int index) throws IOException {
        int port = record.bookiePorts().get(index);
        List<String> lines = new ArrayList<>(List.of(
                "bookiePort=" + port,
                // the ID is 127.0.0.1:PORT, bound to that address only; loopback IDs are refused unless allowed
                "advertisedAddress=127.0.0.1",
                "listeningInterface=lo",
                "allowLoopback=true",
                "useHostNameAsBookieID=false",
                "metadataServiceUri=" + metadataServiceUri(record),
                "zkTimeout=" + BOOKIE_ZK_TIMEOUT_MILLIS,
                "journalDirectories=" + directory.bookieJournal(index),
                "ledgerDirectories=" + directory.bookieLedgers(index),
                // the default, named: DbLedgerStorage needs RocksDB, which the module excludes
                "ledgerStorageClass=org.apache.bookkeeper.bookie.SortedLedgerStorage",
                // an add is acked after the journal's fsync (the defaults, named)
                "journalSyncData=true",
                "journalWriteData=true",
                "journalMaxGroupWaitMSec=2",
                "journalFlushWhenQueueEmpty=true",
                "entryLogFilePreallocationEnabled=false",
                "skipListSizeLimit=8388608",
                // a shared test disk is often fuller than a bookie's 95 % default allows before it turns read-only
                "diskUsageThreshold=0.98",
                "diskUsageWarnThreshold=0.97",
                "serverNumIOThreads=2",
                "numAddWorkerThreads=1",
                "numReadWorkerThreads=2",
                "numHighPriorityWorkerThreads=1",
                "autoRecoveryDaemonEnabled=false",
                // bk_server.conf names Prometheus, which is not on the class path
                "statsProviderClass=org.apache.bookkeeper.stats.NullStatsProvider",
                "httpServerEnabled=false"));
        return write(directory.config(bookieFile(index)), lines);
    }

    static String metadataServiceUri(ClusterRecord record) {
        return "zk+hierarchical://127.0.0.1:" + record.zookeeperPort() + LEDGERS_ROOT;
    }

    private static Path write(Path file, List<String> lines) throws IOException {
        List<String> all = new ArrayList<>();
        all.add("# written by pagestore's LocalCluster at each start of the cluster: edits here are lost");
        all.addAll(lines);
        Files.write(file, all, StandardCharsets.UTF_8);
        return file;
    }
}

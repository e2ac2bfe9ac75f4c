package dev.pagestore.replication.cluster;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * What {@code DIR/cluster.properties} records, so that a later start of the same DIR is the same cluster: the
 * ZooKeeper port, one port per bookie, and whether the BookKeeper metadata has been made.
 *
 * <h2>Why the ports are kept</h2>
 * A bookie's ID is {@code 127.0.0.1:PORT}, and its cookie (in ZooKeeper and in {@code current/VERSION} of each of
 * its directories) pins that ID: a bookie restarted on another port is refused with {@code InvalidCookieException}.
 *
 * <h2>Why the ports are below 32768</h2>
 * Linux hands out outgoing connections' local ports from 32768-60999 ({@code net.ipv4.ip_local_port_range}). A port
 * picked there may be some client socket's days later, when the DIR is started again; below that range only a
 * listening server can hold it.
 */
record ClusterRecord(int zookeeperPort, List<Integer> bookiePorts, boolean metadataInitialized) {
    /** The version of cluster.properties' keys; a DIR with another is refused rather than misread. */
    static final int FORMAT = 1;
    static final int PORT_MIN = 10_000;
    static final int PORT_MAX = 32_767;
    private static final int PICK_ATTEMPTS_MAX = 1_000;

    ClusterRecord {
        bookiePorts = List.copyOf(bookiePorts);
    }

    int bookieCount() {
        return bookiePorts.size();
    }

    ClusterRecord withMetadataInitialized() {
        return new ClusterRecord(zookeeperPort, bookiePorts, true);
    }

    /** A new cluster's record: distinct ports that nothing listens on now, from {@value #PORT_MIN}-{@value #PORT_MAX}. */
    static ClusterRecord pickFreePorts(int bookieCount) throws IOException {
        Set<Integer> picked = new HashSet<>();
        for (int attempt = 0; picked.size() < bookieCount + 1; attempt++) {
            if (attempt == PICK_ATTEMPTS_MAX) {
                throw new IOException("found only " + picked.size() + " free loopback ports of " + (bookieCount + 1)
                        + " in " + PICK_ATTEMPTS_MAX + " tries between " + PORT_MIN + " and " + PORT_MAX);
            }
            int port = ThreadLocalRandom.current().nextInt(PORT_MIN, PORT_MAX + 1);
            if (!picked.contains(port) && isFree(port)) {
                picked.add(port);
            }
        }
        List<Integer> ports = new ArrayList<>(picked);
        return new ClusterRecord(ports.getFirst(), ports.subList(1, ports.size()), false);
    }

    private static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort() == port;
        } catch (IOException e) {
            return false;  // in use (or not ours to bind): try another
        }
    }

    Properties toProperties() {
        Properties properties = new Properties();
        properties.setProperty("format", Integer.toString(FORMAT));
        properties.setProperty("zookeeper.port", Integer.toString(zookeeperPort));
        properties.setProperty("bookie.count", Integer.toString(bookieCount()));
        for (int i = 0; i < bookieCount(); i++) {
            properties.setProperty("bookie." + i + ".port", Integer.toString(bookiePorts.get(i)));
        }
        properties.setProperty("metadata.initialized", Boolean.toString(metadataInitialized));
        return properties;
    }

    /** The record in {@code properties}; {@code source} names the file in the error when it is not one of ours. */
    static ClusterRecord fromProperties(Properties properties, String source) throws ClusterRefusedException {
        String format = properties.getProperty("format");
        if (!Integer.toString(FORMAT).equals(format)) {
            throw new ClusterRefusedException(source + " has format " + format + ", not " + FORMAT + ": not a"
                    + " cluster this version made");
        }
        int count = intValue(properties, "bookie.count", source);
        List<Integer> ports = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ports.add(intValue(properties, "bookie." + i + ".port", source));
        }
        return new ClusterRecord(intValue(properties, "zookeeper.port", source), ports,
                Boolean.parseBoolean(properties.getProperty("metadata.initialized")));
    }

    private static int intValue(Properties properties, String key, String source) throws ClusterRefusedException {
        String value = properties.getProperty(key);
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new ClusterRefusedException(source + ": " + key + "=" + value + " is not a number");
        }
    }
}

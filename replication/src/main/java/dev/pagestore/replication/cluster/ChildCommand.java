package dev.pagestore.replication.cluster;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command lines of the local cluster's children: this JVM's {@code java} and class path, {@link ChildMain}
 * wrapping ZooKeeper's or a bookie's main class, and the JVM flags below.
 *
 * <h2>Why these flags</h2>
 * <ul>
 * <li>Small heaps ({@value #ZOOKEEPER_HEAP}, bookies {@value #BOOKIE_HEAP} and as much direct memory, where Netty
 * keeps its buffers): BookKeeper's scripts give 1 GiB and 2 GiB, too much for three bookies, ZooKeeper and the
 * manager on one small machine.
 * <li>{@code --enable-native-access=ALL-UNNAMED}: {@link ChildMain}'s {@code setsid} and parent watch use FFM, and
 * Netty, circe-checksum and native-io load JNI libraries (JDK 25 warns for each without it).
 * <li>{@code -Djava.net.preferIPv4Stack=true}: needed, not tidiness. With {@code listeningInterface=lo} a restarted
 * bookie's cookie check takes the interface's first address, which is {@code ::1} without it, and refuses to start
 * ("BookieId 0:0:0:0:0:0:0:1%lo:PORT is not valid").
 * <li>Bookies only, from BookKeeper's {@code bin/common.sh}: the JDK's memory-access permission flag, without which
 * Netty 4.2 turns its fast buffer paths off on JDK 25 ({@code io.netty.noUnsafe} defaults to true there; the flag is
 * the bookie process's configuration, not code of ours); {@code --add-opens java.base/java.nio} and {@code jdk.internal.misc} with
 * {@code -Dio.netty.tryReflectionSetAccessible=true} let it allocate direct buffers without a cleaner;
 * {@code java.base/java.io} lets the journal {@code posix_fadvise} what it wrote ({@code PageCacheUtil} warns
 * without); {@code java.base/java.util.zip} serves BookKeeper's CRC32 digest of direct memory and circe-checksum's
 * CRC32C fallback.
 * <li>{@code -XX:+ExitOnOutOfMemoryError}: a child out of memory ends (and the launcher says so) rather than limping.
 * <li>SLF4J's simple logger, when it is on the class path, gets dates in its lines (a child's log spans restarts),
 * and BookKeeper's and ZooKeeper's own lines at INFO: a child's log is all there is to read when it fails, and the
 * launcher's {@code simplelogger.properties}, on the child's class path too, may quieten them for the launcher
 * (the CLI's does).
 * </ul>
 */
final class ChildCommand {
    static final String ZOOKEEPER_HEAP = "128m";
    static final String BOOKIE_HEAP = "256m";
    static final String ZOOKEEPER_MAIN = "org.apache.zookeeper.server.ZooKeeperServerMain";
    static final String BOOKIE_MAIN = "org.apache.bookkeeper.server.Main";

    private ChildCommand() {
    }

    static List<String> zookeeper(Path config) {
        return command("zookeeper", List.of("-Xmx" + ZOOKEEPER_HEAP, "-Dzookeeper.admin.enableServer=false"),
                ZOOKEEPER_MAIN, List.of(config.toString()));
    }

    static List<String> bookie(String name, Path config) {
        return command(name, List.of("-Xmx" + BOOKIE_HEAP, "-XX:MaxDirectMemorySize=" + BOOKIE_HEAP,
                "--sun-misc-unsafe-memory-access=allow",
                "--add-opens", "java.base/java.nio=ALL-UNNAMED",
                "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED",
                "--add-opens", "java.base/java.io=ALL-UNNAMED",
                "--add-opens", "java.base/java.util.zip=ALL-UNNAMED",
                "-Dio.netty.tryReflectionSetAccessible=true"),
                BOOKIE_MAIN, List.of("--conf", config.toString()));
    }

    private static List<String> command(String name, List<String> serviceFlags, String mainClass, List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(javaExecutable());
        command.addAll(List.of(
                "--enable-native-access=ALL-UNNAMED",
                "-Djava.net.preferIPv4Stack=true",
                "-XX:+ExitOnOutOfMemoryError",
                "-Dorg.slf4j.simpleLogger.showDateTime=true",
                "-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd HH:mm:ss.SSS",
                "-Dorg.slf4j.simpleLogger.log.org.apache.bookkeeper=info",
                "-Dorg.slf4j.simpleLogger.log.org.apache.zookeeper=info"));
        command.addAll(serviceFlags);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(ChildMain.class.getName());
        command.add(Long.toString(ProcessHandle.current().pid()));
        command.add(name);
        command.add(mainClass);
        command.addAll(args);
        return command;
    }

    /** The {@code java} this JVM runs on. */
    private static String javaExecutable() {
        return ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }
}

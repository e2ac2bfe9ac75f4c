package dev.pagestore.ipc.channel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/** Unique {@code /dev/shm} names for tests, removed afterwards. */
final class TestChannels {
    static final Path SHM = Path.of("/dev/shm");
    private static final AtomicInteger COUNTER = new AtomicInteger();

    private TestChannels() {
    }

    static String uniqueName(String what) {
        return "pagestore-test-" + what + "-" + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet();
    }

    static void remove(String name) throws IOException {
        Files.deleteIfExists(SHM.resolve(name));
    }
}

package dev.pagestore.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pagestore.cli.PageStoreCli;
import dev.pagestore.client.ClientOptions;
import dev.pagestore.client.ErrorCode;
import dev.pagestore.client.PageStoreClient;
import dev.pagestore.client.PageStoreException;
import dev.pagestore.ipc.linux.LibcProcesses;
import dev.pagestore.ipc.testing.ChildJvm;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14, item 10: after the WAL filled the disk the manager must start whenever recovery can, answer writes
 * {@code NO_SPACE} until space is back, and then take them again without a restart. On a real, small file system (a
 * 160 MiB tmpfs, mounted by the test as root) where a filler file leaves room for only one 64 MiB WAL segment.
 */
class WalDiskFullTest {
    private static final Duration STARTUP = Duration.ofSeconds(60);
    private static final int PAGE = 4096;
    private static final int BATCH = 16;

    @TempDir
    Path root;

    private static int run(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getInputStream().readAllBytes();
        return process.waitFor();
    }

    private ChildJvm managerProcess(Path store) throws Exception {
        ChildJvm manager = ChildJvm.start(PageStoreCli.class, "manager", "--dir", store.toString(),
                "--create", "--capacity-pages", "256", "--checkpoint-interval-ms", "0");
        assertNotNull(manager.awaitLineStartingWith("pagestore manager pid", STARTUP), "the manager did not start");
        return manager;
    }

    private static byte[] page(long pageNumber, long sequence) {
        return WorkerMain.stamp(PAGE, pageNumber, sequence);
    }

    /** Writes batches of the first pages until one is refused; returns its error code. */
    private static ErrorCode writeUntilRefused(PageStoreClient client, long sequence) {
        long[] pages = new long[BATCH];
        byte[][] images = new byte[BATCH][];
        for (int i = 0; i < BATCH; i++) {
            pages[i] = i;
            images[i] = page(i, sequence);
        }
        for (int batch = 0; batch < 4096; batch++) {  // one 64 MiB segment holds about 1,000 of them
            try {
                client.writeBatch(pages, images);
            } catch (PageStoreException e) {
                return e.code();
            }
        }
        throw new AssertionError("4096 batches of " + BATCH + " pages were all taken on a full disk");
    }

    @Test
    void shouldStartOnAFullDiskAnswerNoSpaceAndWriteAgainOnceSpaceIsBack() throws Exception {
        assumeTrue(LibcProcesses.geteuid() == 0, "needs root to mount a small tmpfs");
        Path mount = Files.createDirectory(root.resolve("mnt"));
        assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=160m,mode=0700", "tmpfs", mount.toString()) == 0,
                "mount -t tmpfs failed (no CAP_SYS_ADMIN here?)");
        try {
            // 80 MiB of filler: a 64 MiB segment fits in what is left, a second does not
            Path filler = mount.resolve("filler");
            try (OutputStream out = Files.newOutputStream(filler)) {
                byte[] chunk = new byte[1 << 20];
                for (int i = 0; i < 80; i++) {
                    out.write(chunk);
                }
            }
            Path store = mount.resolve("store");
            try (ChildJvm manager = managerProcess(store)) {
                try (PageStoreClient client = PageStoreClient.attach(store, ClientOptions.defaults())) {
                    for (long p = 0; p < 256; p++) {
                        client.write(p, page(p, 1));  // every data block allocated now: only the WAL grows later
                    }
                    assertEquals(ErrorCode.NO_SPACE, writeUntilRefused(client, 2),
                            "the WAL's next segment does not fit: the write is refused for space, not failed");
                    assertEquals(ErrorCode.NO_SPACE, writeUntilRefused(client, 3), "and so is the next");
                    assertTrue(manager.process().isAlive(), "no space is not a reason to stop the manager");
                }
                manager.kill9();
            }

            try (ChildJvm manager = managerProcess(store)) {  // the old manager refused this start
                try (PageStoreClient client = PageStoreClient.attach(store, ClientOptions.defaults())) {
                    assertArrayEquals(page(200, 1), client.read(200), "recovered");
                    assertEquals(ErrorCode.NO_SPACE, writeUntilRefused(client, 4), "still no room for a segment");
                    Files.delete(filler);  // space is back: no restart
                    client.write(7, page(7, 5));
                    assertArrayEquals(page(7, 5), client.read(7));
                }
                manager.sigterm();
                assertEquals(0, manager.awaitExit(STARTUP));
            }
        } finally {
            if (run("umount", mount.toString()) != 0) {
                run("umount", "-l", mount.toString());
            }
        }
    }
}

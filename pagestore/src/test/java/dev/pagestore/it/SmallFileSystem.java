package dev.pagestore.it;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;

/**
 * A small private tmpfs mounted for one test, so that "the disk is full" is real (ENOSPC from the kernel) and nothing
 * else on the machine fills up. Needs root (mount(8)); {@link #mount} returns null, with the reason in
 * {@link #unavailableReason}, where it cannot be had, and the test skips saying so.
 */
final class SmallFileSystem implements AutoCloseable {
    static String unavailableReason;

    private final Path mountPoint;

    private SmallFileSystem(Path mountPoint) {
        this.mountPoint = mountPoint;
    }

    static SmallFileSystem mount(Path mountPoint, long sizeBytes) throws IOException, InterruptedException {
        if (!"root".equals(System.getProperty("user.name"))) {
            unavailableReason = "mounting a tmpfs needs root; this test runs as " + System.getProperty("user.name");
            return null;
        }
        Files.createDirectories(mountPoint);
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=" + sizeBytes + ",mode=0700", "tmpfs",
                mountPoint.toString()).redirectErrorStream(true).start();
        String output = new String(mount.getInputStream().readAllBytes());
        if (!mount.waitFor(30, TimeUnit.SECONDS) || mount.exitValue() != 0) {
            unavailableReason = "mount -t tmpfs failed: " + output.trim();
            return null;
        }
        return new SmallFileSystem(mountPoint);
    }

    Path root() {
        return mountPoint;
    }

    /** Writes a file of zeros at {@code path} until the file system is full; returns its size. */
    static long fill(Path path) throws IOException {
        ByteBuffer chunk = ByteBuffer.allocateDirect(1 << 20);
        long written = 0;
        try (FileChannel file = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            while (true) {
                chunk.clear();
                try {
                    while (chunk.hasRemaining()) {
                        written += file.write(chunk);
                    }
                } catch (IOException e) {
                    if (chunk.capacity() == 4096) {
                        return written;  // not even one more page fits
                    }
                    chunk = ByteBuffer.allocateDirect(Math.max(4096, chunk.capacity() / 2));
                }
            }
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        Process umount = new ProcessBuilder("umount", "-l", mountPoint.toString()).redirectErrorStream(true).start();
        umount.getInputStream().readAllBytes();
        umount.waitFor(30, TimeUnit.SECONDS);
    }
}

package dev.pagestore.ipc.linux;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;

/**
 * The other process in the Linux layer's cross-process tests. Each mode prints {@code ready} once it is set up, then
 * one result line; the test reads them through {@link dev.pagestore.ipc.testing.ChildJvm}.
 */
public final class LinuxTestChild {
    private static final VarHandle INT = JAVA_INT.varHandle();

    private LinuxTestChild() {
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "futex-wake" -> {
                // Sets the word and wakes the parent, who is asleep on it by then.
                try (SharedMemoryRegion region = SharedMemoryRegion.attach(args[1])) {
                    MemorySegment word = region.segment().asSlice(0, 4);
                    System.out.println("ready");
                    Thread.sleep(Long.parseLong(args[2]));
                    INT.setRelease(word, 0L, 1);
                    System.out.println("woke " + Futex.wake(word, Integer.MAX_VALUE));
                }
            }
            case "futex-wait" -> {
                try (SharedMemoryRegion region = SharedMemoryRegion.attach(args[1])) {
                    MemorySegment word = region.segment().asSlice(0, 4);
                    System.out.println("ready");
                    Futex.WaitResult result = Futex.await(word, 0, 30_000_000_000L);
                    System.out.println("result " + result + " value " + (int) INT.getAcquire(word, 0L));
                }
            }
            case "lock" -> {
                try (ExclusiveLock lock = ExclusiveLock.acquire(Path.of(args[1]), "data directory")) {
                    System.out.println("ready");
                    Thread.sleep(60_000);  // held until the parent kills this process
                }
            }
            case "shm-write" -> {
                try (SharedMemoryRegion region = SharedMemoryRegion.attach(args[1])) {
                    INT.setRelease(region.segment(), 8L, Integer.parseInt(args[2]));
                    System.out.println("ready");
                }
            }
            case "claim" -> {
                AbstractNameClaim.Outcome outcome = AbstractNameClaim.claim(args[1]);
                System.out.println(outcome instanceof AbstractNameClaim.Claimed ? "ready" : "not claimed: " + outcome);
                System.out.flush();
                Thread.sleep(60_000);  // held until the parent kills this process
            }
            case "parent-watch" -> {
                // Ends with exit code 7 once its parent (args[1], the parent's own idea of its pid) has ended.
                ParentWatch.start(Long.parseLong(args[1]), () -> {
                    System.out.println("parent gone");
                    System.out.flush();
                    Runtime.getRuntime().halt(7);
                });
                System.out.println("ready");
                System.out.flush();
                Thread.sleep(60_000);
            }
            default -> throw new IllegalArgumentException("unknown mode " + args[0]);
        }
        System.out.flush();
    }
}

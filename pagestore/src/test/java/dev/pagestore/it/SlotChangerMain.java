package dev.pagestore.it;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A worker that changes its buffer after posting a write ({@link SlotChangedAfterPostTest}): {@code DIR FIRST COUNT}.
 * For each page of [FIRST, FIRST + COUNT) it fills slot 0, posts the write without a checksum, and has a second thread
 * rewrite slot 0 with other patterns for as long as the write is in flight; once answered it reads the page back into
 * slot 1 and prints {@code PAGE p status crc} (CRC-32C of what it read back). Then {@code DONE}.
 */
public final class SlotChangerMain {
    private SlotChangerMain() {
    }

    public static void main(String[] args) throws Exception {
        Path directory = Path.of(args[0]);
        long first = Long.parseLong(args[1]);
        int count = Integer.parseInt(args[2]);
        try (RawWorker raw = RawWorker.attach(directory, "slot-changer")) {
            MemorySegment slot = raw.channel.buffer(0);
            for (long page = first; page < first + count; page++) {
                for (long i = 0; i < slot.byteSize(); i += 8) {
                    slot.set(JAVA_LONG, i, page);
                }
                AtomicBoolean inFlight = new AtomicBoolean(true);
                long p = page;
                Thread changer = new Thread(() -> {
                    long value = 0;
                    while (inFlight.get()) {
                        value++;
                        for (long i = 0; i < slot.byteSize(); i += 8) {
                            slot.set(JAVA_LONG, i, (p << 32) | value);
                        }
                    }
                });
                long id = raw.write(page, 0, false, System.nanoTime() + 10_000_000_000L);
                changer.start();
                RawWorker.Answer written = raw.await(id, Duration.ofSeconds(15));
                inFlight.set(false);
                changer.join();
                RawWorker.Answer read = raw.await(raw.read(page, 1, System.nanoTime() + 10_000_000_000L),
                        Duration.ofSeconds(15));
                System.out.println("PAGE " + page + " " + RawWorker.statusName(written) + " "
                        + (read != null && read.status() == 1 ? Integer.toHexString(RawWorker.crc32c(
                                raw.channel.buffer(1))) : RawWorker.statusName(read)));
            }
        }
        System.out.println("DONE");
        System.out.flush();
    }
}

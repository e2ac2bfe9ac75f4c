package dev.pagestore.bench.load;

import dev.pagestore.client.ClientOptions;
import dev.pagestore.client.PageStoreClient;
import dev.pagestore.client.PageStoreException;
import dev.pagestore.client.PollHandler;
import dev.pagestore.client.Poller;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;

/**
 * One client, one owner thread, {@code depth} requests outstanding through the client's {@link Poller}: the thread
 * submits until {@code depth} are out, then collects outcomes itself (sleeping on the completion ring when none is
 * ready), so no other thread of the worker runs per request. Each outstanding request has its own page buffer, named
 * by its tag.
 */
final class PolledStoreLoad {
    private static final Duration POLL_WAIT = Duration.ofMillis(10);
    private static final long DRAIN_SECONDS = 60;

    private final Path store;
    private final ClientOptions options;
    private final Workload workload;
    private final WorkerHarness harness;

    PolledStoreLoad(Path store, ClientOptions options, Workload workload, WorkerHarness harness) {
        this.store = store;
        this.options = options;
        this.workload = workload;
        this.harness = harness;
    }

    void run() throws IOException, InterruptedException {
        int depth = workload.depth();
        SplittableRandom random = new SplittableRandom(workload.seed());
        PagePicker picker = PagePicker.of(workload);
        PageImage image = new PageImage(workload.pageSizeBytes(), random.split());
        try (Arena arena = Arena.ofConfined();
                PageStoreClient client = PageStoreClient.attach(store,
                        options.withRingCapacity(workload.ringCapacity()))) {
            Poller poller = client.poller();
            MemorySegment[] buffers = new MemorySegment[depth];
            long[] started = new long[depth];
            boolean[] reads = new boolean[depth];
            int[] free = new int[depth];
            for (int tag = 0; tag < depth; tag++) {
                buffers[tag] = arena.allocate(workload.pageSizeBytes(), 4096);
                free[tag] = tag;
            }
            int[] freeCount = {depth};
            harness.ready();
            Measurement measurement = harness.awaitGo();
            PollHandler handler = (tag, error) -> {
                if (error == null) {
                    measurement.succeeded(reads[(int) tag], started[(int) tag]);
                } else {
                    measurement.failed(error.name());
                }
                free[freeCount[0]++] = (int) tag;
            };
            while (measurement.issuing(System.nanoTime())) {
                while (freeCount[0] > 0) {
                    int tag = free[freeCount[0] - 1];
                    long page = picker.next(random);
                    boolean read = random.nextInt(100) < workload.readPercent();
                    if (!read) {
                        buffers[tag].copyFrom(MemorySegment.ofArray(image.stamp(page)));
                    }
                    reads[tag] = read;
                    started[tag] = System.nanoTime();
                    boolean sent;
                    try {
                        sent = read ? poller.trySubmitRead(page, buffers[tag], tag, StoreWorker.CALL_TIMEOUT)
                                : poller.trySubmitWrite(page, buffers[tag], tag, StoreWorker.CALL_TIMEOUT);
                    } catch (PageStoreException e) {
                        measurement.failed(Errors.name(e));
                        continue;
                    }
                    if (!sent) {
                        break;  // every request slot taken: collect first
                    }
                    freeCount[0]--;
                }
                poller.poll(handler, depth, POLL_WAIT);
            }
            long giveUp = System.nanoTime() + DRAIN_SECONDS * 1_000_000_000L;
            while (freeCount[0] < depth) {
                if (System.nanoTime() - giveUp > 0) {
                    throw new IOException("requests still outstanding " + DRAIN_SECONDS + " s after the window");
                }
                poller.poll(handler, depth, POLL_WAIT);
            }
            harness.result(measurement.report(0, 0));
        }
    }
}

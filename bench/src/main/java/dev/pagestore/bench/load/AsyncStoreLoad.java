package dev.pagestore.bench.load;

import dev.pagestore.client.ClientOptions;
import dev.pagestore.client.PageStoreClient;
import dev.pagestore.client.PageStoreException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * One client, one owner thread, {@code depth} requests outstanding: a request is issued as soon as one completes.
 * Latency is taken when the future completes (on the client's completion thread), not when the issuing thread gets
 * round to it, so requests that overtake each other are not charged for the wait.
 */
final class AsyncStoreLoad {
    private static final long DRAIN_SECONDS = 60;

    private final Path store;
    private final ClientOptions options;
    private final Workload workload;
    private final WorkerHarness harness;

    AsyncStoreLoad(Path store, ClientOptions options, Workload workload, WorkerHarness harness) {
        this.store = store;
        this.options = options;
        this.workload = workload;
        this.harness = harness;
    }

    void run() throws IOException, InterruptedException {
        SplittableRandom random = new SplittableRandom(workload.seed());
        PagePicker picker = PagePicker.of(workload);
        PageImage image = new PageImage(workload.pageSizeBytes(), random.split());
        ClientOptions ringed = options.withRingCapacity(workload.ringCapacity());
        try (PageStoreClient client = PageStoreClient.attach(store, ringed)) {
            Semaphore permits = new Semaphore(workload.depth());
            harness.ready();
            Measurement measurement = harness.awaitGo();
            while (measurement.issuing(System.nanoTime())) {
                if (!permits.tryAcquire(10, TimeUnit.MILLISECONDS)) {
                    continue;
                }
                long page = picker.next(random);
                boolean read = random.nextInt(100) < workload.readPercent();
                long start = System.nanoTime();
                CompletableFuture<?> future;
                try {
                    future = read ? client.readAsync(page) : client.writeAsync(page, image.stamp(page));
                } catch (PageStoreException e) {
                    measurement.failed(Errors.name(e));
                    permits.release();
                    continue;
                }
                future.whenComplete((value, failure) -> {
                    if (failure == null) {
                        measurement.succeeded(read, start);
                    } else {
                        measurement.failed(Errors.name(failure));
                    }
                    permits.release();
                });
            }
            if (!permits.tryAcquire(workload.depth(), DRAIN_SECONDS, TimeUnit.SECONDS)) {
                throw new IOException("requests still outstanding " + DRAIN_SECONDS + " s after the window");
            }
            harness.result(measurement.report(0, 0));
        }
    }
}

package dev.pagestore.bench.load;

import dev.pagestore.client.ClientOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;

/**
 * One worker process of {@code pagestore bench}: attaches to the store's manager through the public client and runs
 * the {@link Workload}, either as one thread keeping {@code depth} asynchronous requests outstanding (collecting
 * them itself, {@link PolledStoreLoad}, or through futures, {@link AsyncStoreLoad}) or as {@code depth} threads of
 * synchronous calls ({@link SyncStoreLoad}: with {@code sync}, and always with a page cache, whose calls are
 * synchronous). Speaks {@link WorkerHarness}'s protocol.
 *
 * <p>Arguments: {@code STORE_DIR BENCH_PID WORKER_INDEX key=value...} (the workload, {@link Workload#toArguments}).
 */
public final class StoreWorker {
    /** A deadline no healthy store reaches under any depth the bench allows: a slow call is measured, not failed. */
    static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);

    private StoreWorker() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 4) {
            WorkerHarness.fail("usage: StoreWorker STORE_DIR BENCH_PID WORKER_INDEX key=value...");
        }
        Path store = Path.of(args[0]);
        WorkerHarness harness = new WorkerHarness(Long.parseLong(args[1]));
        int index = Integer.parseInt(args[2]);
        Workload workload = Workload.parse(Arrays.asList(args).subList(3, args.length));
        ClientOptions options = ClientOptions.defaults().withClientName("bench-worker-" + index)
                .withDefaultTimeout(CALL_TIMEOUT);
        try {
            if (workload.sync() || workload.cacheBytes() > 0) {
                new SyncStoreLoad(store, options, workload, harness).run();
            } else if (workload.futures()) {
                new AsyncStoreLoad(store, options, workload, harness).run();
            } else {
                new PolledStoreLoad(store, options, workload, harness).run();
            }
        } catch (Exception e) {
            e.printStackTrace();
            WorkerHarness.fail("bench worker " + index + ": " + e);
        }
        System.exit(0);
    }
}

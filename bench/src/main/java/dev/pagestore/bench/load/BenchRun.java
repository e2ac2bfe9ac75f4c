package dev.pagestore.bench.load;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Every run of one invocation: the store's preparation and the peer's, then the runs, the store's and the peer's
 * alternating (pagestore, peer, pagestore, peer, ...), so that a machine whose speed drifts (another job starting,
 * a disk's cache filling) moves both alike instead of looking like a difference between them.
 */
final class BenchRun {
    private final BenchSettings settings;
    private final ScratchDirectory directory;
    private final Progress progress;

    BenchRun(BenchSettings settings, ScratchDirectory directory, Progress progress) {
        this.settings = settings;
        this.directory = directory;
        this.progress = progress;
    }

    /** The store's runs and the peer's, in the order they ran. */
    List<RunResult> run() throws IOException, InterruptedException {
        List<Runner> runners = new ArrayList<>();
        runners.add(new StoreRunner(settings, directory, progress));
        switch (settings.peer()) {
            case FIO -> runners.add(new FioRunner(settings, directory, progress));
            case ROCKSDB -> runners.add(new RocksRunner(settings, directory, progress));
            case NONE -> {
            }
        }
        for (Runner runner : runners) {
            runner.prepare();
        }
        List<RunResult> results = new ArrayList<>();
        for (int run = 1; run <= settings.runs(); run++) {
            for (Runner runner : runners) {
                results.add(runner.run(run));
            }
        }
        progress.finish();
        return results;
    }
}

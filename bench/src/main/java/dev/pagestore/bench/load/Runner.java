package dev.pagestore.bench.load;

import java.io.IOException;

/** One tool the bench runs: the store, or a peer. */
interface Runner {
    /** The tool's name in reports: {@code pagestore}, {@code fio}, {@code rocksdb}. */
    String tool();

    /** Everything before the first run that is not measured: making the data and writing every page once. */
    void prepare() throws IOException, InterruptedException;

    /** One measured run ({@code run} from 1). */
    RunResult run(int run) throws IOException, InterruptedException;
}

package dev.pagestore.torture.loop;

import java.io.PrintStream;
import java.nio.file.Path;

/** One loop of the campaign ({@code pagestore torture --loops NAME}). */
interface TortureLoop {
    /** The name on the command line and in the report. */
    String name();

    /**
     * Runs iterations while {@code budget} allows, each from its own seed derived from {@code seed}, in its own
     * directory under {@code scratch}; prints progress and each failure to {@code out} as it happens.
     */
    LoopResult run(Budget budget, long seed, Path scratch, PrintStream out) throws Exception;
}

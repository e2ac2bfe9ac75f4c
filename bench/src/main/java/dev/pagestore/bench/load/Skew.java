package dev.pagestore.bench.load;

/** How workers choose pages: every page alike, or a few hot pages (Zipf's law) as in most databases. */
enum Skew {
    UNIFORM,
    ZIPFIAN
}

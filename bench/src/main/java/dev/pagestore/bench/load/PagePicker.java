package dev.pagestore.bench.load;

import java.util.SplittableRandom;

/** Chooses the next page of a workload. Thread-safe: the state is the caller's {@link SplittableRandom}. */
interface PagePicker {
    /** A page in {@code [0, pages)}. */
    long next(SplittableRandom random);

    /** The picker for {@code workload}'s skew. */
    static PagePicker of(Workload workload) {
        return switch (workload.skew()) {
            case UNIFORM -> {
                long pages = workload.pages();
                yield random -> random.nextLong(pages);
            }
            case ZIPFIAN -> new ZipfianPicker(workload.pages(), workload.theta());
        };
    }
}

package dev.pagestore.bench.store;

/** Uniform random page numbers without allocation: xorshift64* and a multiply-shift into range. */
final class Pages {
    private final long count;
    private long state;

    Pages(long count, long seed) {
        this.count = count;
        this.state = seed * 0x9E3779B97F4A7C15L | 1;  // never 0: xorshift would stay there
    }

    private long nextBits() {
        state ^= state >>> 12;
        state ^= state << 25;
        state ^= state >>> 27;
        return state * 0x2545F4914F6CDD1DL;
    }

    long next() {
        return Math.unsignedMultiplyHigh(nextBits(), count);
    }

    /** In [0, 100). */
    int percent() {
        return (int) Math.unsignedMultiplyHigh(nextBits(), 100);
    }

    /** Two distinct pages into {@code into[0]} and {@code into[1]}. */
    void distinctPair(long[] into) {
        long first = next();
        into[0] = first;
        into[1] = (first + 1 + Math.unsignedMultiplyHigh(nextBits(), count - 1)) % count;
    }
}

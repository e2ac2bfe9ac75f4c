package dev.pagestore.bench.load;

import java.util.SplittableRandom;

/**
 * Zipf-distributed pages: rank {@code r} (from 0) is drawn with probability proportional to {@code 1 / (r + 1)^theta},
 * by the constant-time method of Gray et al., "Quickly generating billion-record synthetic databases" (SIGMOD 1994),
 * the one YCSB's {@code ZipfianGenerator} and fio's {@code random_distribution=zipf} use.
 *
 * <h2>Scrambled</h2>
 * Ranks are spread over the pages by {@code page = (rank * m + pages / 3) mod pages} with {@code m} coprime to
 * {@code pages}, a bijection: the hot pages are not neighbours (fio hashes its ranks for the same reason), so neither
 * the store's version buckets nor the device see one hot region.
 *
 * <h2>zeta(n)</h2>
 * The normalising sum {@code zeta(n) = sum 1/i^theta} is exact up to {@value #EXACT_TERMS} terms; beyond, the rest is
 * the integral of {@code x^-theta} over {@code [m + 1/2, n + 1/2]} (midpoint rule), whose relative error there is far
 * below what a benchmark can see, so that a billion pages start in milliseconds rather than seconds.
 */
final class ZipfianPicker implements PagePicker {
    static final long EXACT_TERMS = 1_000_000;
    /** {@code rank * multiplier} must not overflow: ranks and the multiplier are below {@code pages}. */
    static final long PAGES_MAX = Integer.MAX_VALUE;

    private final long pages;
    private final double theta;
    private final double zetaN;
    private final double alpha;
    private final double eta;
    private final double secondRankBound;
    private final long multiplier;
    private final long offset;

    ZipfianPicker(long pages, double theta) {
        if (pages < 1 || pages > PAGES_MAX) {
            throw new IllegalArgumentException("pages=" + pages + " must be in [1, " + PAGES_MAX + "]");
        }
        if (!(theta > 0 && theta < 1)) {
            throw new IllegalArgumentException("theta=" + theta + " must be in (0, 1)");
        }
        this.pages = pages;
        this.theta = theta;
        this.zetaN = zeta(pages, theta);
        this.alpha = 1 / (1 - theta);
        // With fewer than 3 pages the two thresholds below decide every draw and eta (0/0) is never used.
        this.eta = pages < 3 ? 0 : (1 - Math.pow(2.0 / pages, 1 - theta)) / (1 - zeta(2, theta) / zetaN);
        this.secondRankBound = 1 + Math.pow(0.5, theta);
        this.multiplier = coprimeMultiplier(pages);
        this.offset = pages / 3;
    }

    @Override
    public long next(SplittableRandom random) {
        return page(rank(random.nextDouble()));
    }

    /** The rank (0 = hottest) for a uniform {@code u} in {@code [0, 1)}. */
    long rank(double u) {
        double uz = u * zetaN;
        if (uz < 1) {
            return 0;
        }
        if (uz < secondRankBound) {
            return 1;
        }
        long rank = (long) (pages * Math.pow(eta * u - eta + 1, alpha));
        return Math.min(rank, pages - 1);
    }

    /** The page that holds {@code rank}: a bijection of {@code [0, pages)}. */
    long page(long rank) {
        assert rank >= 0 && rank < pages : "rank=" + rank;
        return (rank * multiplier + offset) % pages;
    }

    double theta() {
        return theta;
    }

    /** {@code sum_{i=1..n} 1/i^theta}, exact for the first {@value #EXACT_TERMS} terms. */
    static double zeta(long n, double theta) {
        long exact = Math.min(n, EXACT_TERMS);
        double sum = 0;
        for (long i = exact; i >= 1; i--) {  // smallest terms first: less rounding
            sum += Math.pow(i, -theta);
        }
        if (n > exact) {
            sum += (Math.pow(n + 0.5, 1 - theta) - Math.pow(exact + 0.5, 1 - theta)) / (1 - theta);
        }
        return sum;
    }

    /** An odd multiplier near {@code 0.618 x pages} with no factor in common with {@code pages}. */
    static long coprimeMultiplier(long pages) {
        if (pages <= 2) {
            return 1;
        }
        long m = ((long) (pages * 0.6180339887498949)) | 1;
        while (gcd(m, pages) != 1) {
            m += 2;
            if (m >= pages) {
                m = 1;  // 1 is coprime to everything
            }
        }
        return m;
    }

    private static long gcd(long a, long b) {
        while (b != 0) {
            long t = a % b;
            a = b;
            b = t;
        }
        return a;
    }
}

package dev.pagestore.bench.load;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What one worker does, as its command line carries it ({@link #toArguments}, {@link #parse}): the same for the
 * store's workers and RocksDB's.
 *
 * @param readPercent   reads among operations, the rest are writes of whole pages
 * @param pages         the working set: pages {@code [0, pages)}
 * @param skew          how pages are chosen
 * @param theta         Zipf's exponent when {@code skew} is {@link Skew#ZIPFIAN}
 * @param depth         requests each worker keeps outstanding (asynchronous), or its threads ({@code sync})
 * @param sync          threads making one synchronous call at a time, instead of one thread keeping {@code depth}
 *                      asynchronous requests outstanding
 * @param futures       the one thread's requests complete futures (their callbacks run on the client's completion
 *                      thread), instead of being collected by that thread itself through the client's poller
 * @param cacheBytes    each worker's page cache (0: none); reads and writes then go through it
 * @param pageSizeBytes the store's page size, and RocksDB's value size
 * @param seed          the first worker's random seed; worker {@code w} adds {@code w}
 */
record Workload(int readPercent, long pages, Skew skew, double theta, int depth, boolean sync, boolean futures,
        long cacheBytes, int pageSizeBytes, long seed) {
    Workload {
        if (readPercent < 0 || readPercent > 100) {
            throw new IllegalArgumentException("readPercent=" + readPercent + " must be in [0, 100]");
        }
        if (pages < 1) {
            throw new IllegalArgumentException("pages=" + pages + " must be at least 1");
        }
        if (depth < 1) {
            throw new IllegalArgumentException("depth=" + depth + " must be at least 1");
        }
        if (cacheBytes < 0) {
            throw new IllegalArgumentException("cacheBytes=" + cacheBytes + " must not be negative");
        }
    }

    /** Ring slots for every outstanding request of one worker: a power of two, at least the client's minimum of 16. */
    int ringCapacity() {
        return Math.max(16, Integer.highestOneBit(depth * 2 - 1));
    }

    List<String> toArguments() {
        List<String> arguments = new ArrayList<>();
        arguments.add("readPercent=" + readPercent);
        arguments.add("pages=" + pages);
        arguments.add("skew=" + skew.name());
        arguments.add("theta=" + theta);
        arguments.add("depth=" + depth);
        arguments.add("sync=" + sync);
        arguments.add("futures=" + futures);
        arguments.add("cacheBytes=" + cacheBytes);
        arguments.add("pageSizeBytes=" + pageSizeBytes);
        arguments.add("seed=" + seed);
        return arguments;
    }

    /** The workload from {@code key=value} arguments (all of {@link #toArguments}'s, in any order). */
    static Workload parse(List<String> arguments) {
        Map<String, String> values = new HashMap<>();
        for (String argument : arguments) {
            int equals = argument.indexOf('=');
            if (equals < 1) {
                throw new IllegalArgumentException("argument=" + argument + " is not key=value");
            }
            values.put(argument.substring(0, equals), argument.substring(equals + 1));
        }
        return new Workload(Integer.parseInt(value(values, "readPercent")), Long.parseLong(value(values, "pages")),
                Skew.valueOf(value(values, "skew").toUpperCase(Locale.ROOT)),
                Double.parseDouble(value(values, "theta")), Integer.parseInt(value(values, "depth")),
                Boolean.parseBoolean(value(values, "sync")), Boolean.parseBoolean(value(values, "futures")),
                Long.parseLong(value(values, "cacheBytes")),
                Integer.parseInt(value(values, "pageSizeBytes")), Long.parseLong(value(values, "seed")));
    }

    private static String value(Map<String, String> values, String key) {
        String value = values.get(key);
        if (value == null) {
            throw new IllegalArgumentException("no " + key + "=... among the workload's arguments " + values);
        }
        return value;
    }
}

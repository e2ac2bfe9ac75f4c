package dev.pagestore.bench.load;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import org.HdrHistogram.Histogram;

/**
 * What a worker measured in the window, sent to the bench as one stdout line:
 * <pre>
 * result reads=BASE64 writes=BASE64 errors=TIMEOUT:3,IO_ERROR:1 cacheHits=N cacheMisses=N
 * </pre>
 * The histograms (latency in nanoseconds) travel whole, as HdrHistogram's compressed encoding in base64, so that the
 * bench merges every worker's values before taking percentiles: a median of per-worker percentiles is not a
 * percentile of anything. {@code errors=-} when there were none.
 *
 * @param reads       latencies of the window's successful reads
 * @param writes      latencies of the window's successful writes
 * @param errors      failed operations in the window by type
 * @param cacheHits   page cache hits in the window (0 without a cache)
 * @param cacheMisses page cache misses in the window
 */
record WorkerReport(Histogram reads, Histogram writes, Map<String, Long> errors, long cacheHits, long cacheMisses) {
    static final String PREFIX = "result ";

    String line() {
        StringBuilder errorList = new StringBuilder();
        errors.forEach((name, count) -> errorList.append(errorList.isEmpty() ? "" : ",").append(name).append(':')
                .append(count));
        return PREFIX + "reads=" + encode(reads) + " writes=" + encode(writes) + " errors="
                + (errorList.isEmpty() ? "-" : errorList) + " cacheHits=" + cacheHits + " cacheMisses=" + cacheMisses;
    }

    /** The report in a {@link #line()}; {@link IllegalArgumentException} naming what is wrong otherwise. */
    static WorkerReport parse(String line) {
        if (!line.startsWith(PREFIX)) {
            throw new IllegalArgumentException("not a result line: " + abbreviate(line));
        }
        Map<String, String> fields = new TreeMap<>();
        for (String part : line.substring(PREFIX.length()).trim().split(" ")) {
            int equals = part.indexOf('=');
            if (equals < 1) {
                throw new IllegalArgumentException("field " + abbreviate(part) + " is not key=value in "
                        + abbreviate(line));
            }
            fields.put(part.substring(0, equals), part.substring(equals + 1));
        }
        Map<String, Long> errors = new TreeMap<>();
        String errorList = field(fields, "errors", line);
        if (!errorList.equals("-")) {
            for (String entry : errorList.split(",")) {
                int colon = entry.lastIndexOf(':');
                errors.merge(entry.substring(0, colon), Long.parseLong(entry.substring(colon + 1)), Long::sum);
            }
        }
        return new WorkerReport(decode(field(fields, "reads", line)), decode(field(fields, "writes", line)), errors,
                Long.parseLong(field(fields, "cacheHits", line)), Long.parseLong(field(fields, "cacheMisses", line)));
    }

    static String encode(Histogram histogram) {
        ByteBuffer buffer = ByteBuffer.allocate(histogram.getNeededByteBufferCapacity());
        int length = histogram.encodeIntoCompressedByteBuffer(buffer, Deflater.BEST_SPEED);
        return Base64.getEncoder().encodeToString(Arrays.copyOf(buffer.array(), length));
    }

    static Histogram decode(String base64) {
        try {
            return Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(Base64.getDecoder().decode(base64)), 0);
        } catch (DataFormatException | IllegalArgumentException e) {
            throw new IllegalArgumentException("histogram " + abbreviate(base64) + " does not decode: " + e, e);
        }
    }

    private static String field(Map<String, String> fields, String key, String line) {
        String value = fields.get(key);
        if (value == null) {
            throw new IllegalArgumentException("no " + key + "= in " + abbreviate(line));
        }
        return value;
    }

    private static String abbreviate(String text) {
        return text.length() <= 80 ? text : text.substring(0, 80) + "...";
    }
}

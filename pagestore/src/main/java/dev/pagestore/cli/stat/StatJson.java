package dev.pagestore.cli.stat;

import static dev.pagestore.cli.stat.StatSample.*;

import java.io.PrintWriter;
import java.time.Instant;

/**
 * One JSON object per interval, on one line (JSON Lines): the manager it came from, per reactor the interval's rates,
 * latency quantiles (in nanoseconds, within 1.6%; null without requests) and totals, the WAL's, the checkpoints' and
 * the control socket's figures, and per attached worker channel its rates, totals and page-cache figures. Field
 * names are stable: scripts and the plots read them.
 */
final class StatJson {
    private StatJson() {
    }

    static void interval(PrintWriter out, StatSample before, StatSample now) {
        double seconds = (now.nanos() - before.nanos()) / 1e9;
        StringBuilder json = new StringBuilder(1024);
        json.append("{\"time\":\"").append(Instant.now()).append('"')
                .append(",\"intervalSeconds\":").append(number(seconds))
                .append(",\"managerPid\":").append(now.managerPid())
                .append(",\"epoch\":").append(now.epoch())
                .append(",\"reactors\":[");
        for (int r = 0; r < now.reactorCount(); r++) {
            long[] a = before.reactors()[r];
            long[] b = now.reactors()[r];
            long[] histogram = now.histogramSince(before, r);
            long[] reads = now.histogramSince(before, r, false);
            long[] writes = now.histogramSince(before, r, true);
            json.append(r == 0 ? "{" : ",{").append("\"reactor\":").append(r)
                    .append(",\"readsPerSecond\":").append(number((b[READS] - a[READS]) / seconds))
                    .append(",\"writesPerSecond\":").append(number((b[WRITES] - a[WRITES]) / seconds))
                    .append(",\"inFlight\":").append(b[QUEUE])
                    .append(",\"p50Nanos\":").append(quantile(histogram, 0.50))
                    .append(",\"p99Nanos\":").append(quantile(histogram, 0.99))
                    .append(",\"p999Nanos\":").append(quantile(histogram, 0.999))
                    .append(",\"readP50Nanos\":").append(quantile(reads, 0.50))
                    .append(",\"readP99Nanos\":").append(quantile(reads, 0.99))
                    .append(",\"readP999Nanos\":").append(quantile(reads, 0.999))
                    .append(",\"writeP50Nanos\":").append(quantile(writes, 0.50))
                    .append(",\"writeP99Nanos\":").append(quantile(writes, 0.99))
                    .append(",\"writeP999Nanos\":").append(quantile(writes, 0.999))
                    .append(",\"reads\":").append(b[READS])
                    .append(",\"writes\":").append(b[WRITES])
                    .append(",\"errors\":").append(b[ERRORS_INDEX])
                    .append(",\"invalidRequests\":").append(b[INVALID])
                    .append(",\"timeouts\":").append(b[TIMEOUTS_INDEX])
                    .append(",\"unmappedCompletions\":").append(b[UNMAPPED])
                    .append(",\"channels\":").append(b[CHANNELS_INDEX])
                    .append(",\"channelFaults\":").append(b[FAULTS])
                    .append(",\"doorbells\":").append(b[DOORBELLS_INDEX])
                    .append(",\"busyFraction\":").append(ratio(now.busyFractionSince(before, r)))
                    .append(",\"pagesPerDoorbell\":").append(ratio(now.pagesPerSince(before, r, DOORBELLS_INDEX)))
                    .append(",\"pagesPerReap\":").append(ratio(now.pagesPerSince(before, r, REAPS_INDEX)))
                    .append('}');
        }
        long[] g = now.global();
        long[] p = before.global();
        long batches = g[BATCHES] - p[BATCHES];
        json.append("],\"wal\":{\"datasyncsPerSecond\":").append(number((g[DATASYNCS] - p[DATASYNCS]) / seconds))
                .append(",\"commitsInInterval\":").append(batches)
                .append(",\"recordsPerCommit\":").append(batches == 0 ? "null"
                        : number((double) (g[RECORDS] - p[RECORDS]) / batches))
                .append(",\"writeMicrosPerCommit\":").append(batches == 0 ? "null"
                        : number((g[WRITE_NANOS] - p[WRITE_NANOS]) / 1e3 / batches))
                .append(",\"fdatasyncMicrosPerCommit\":").append(batches == 0 ? "null"
                        : number((g[SYNC_NANOS] - p[SYNC_NANOS]) / 1e3 / batches))
                .append(",\"bytes\":").append(g[BYTES])
                .append(",\"durableLsn\":").append(g[DURABLE])
                .append(",\"segmentsZeroFilled\":").append(g[ZERO_FILLED])
                .append(",\"segmentsRecycled\":").append(g[RECYCLED])
                .append(",\"checkpoints\":").append(g[CHECKPOINTS_INDEX])
                .append(",\"unwrittenPages\":").append(g[UNWRITTEN])
                .append(",\"recoveryNanos\":").append(g[RECOVERY])
                .append(",\"recoveredPages\":").append(g[RECOVERED])
                .append(",\"redoLsn\":").append(g[REDO])
                .append(",\"spareSegments\":").append(g[SPARES])
                .append(",\"lastCheckpointMillis\":").append(g[LAST_CHECKPOINT] == 0 ? "null" : g[LAST_CHECKPOINT])
                .append(",\"managerStartMillis\":").append(g[STARTED])
                .append("},\"standby\":").append(g[STANDBY_LSN] == 0 && g[STANDBY_CAUGHT_UP] == 0 ? "null"
                        : "{\"appliedLsn\":" + g[STANDBY_LSN] + ",\"caughtUpMillis\":"
                                + (g[STANDBY_CAUGHT_UP] == 0 ? "null" : g[STANDBY_CAUGHT_UP]) + "}")
                .append(",\"control\":{\"attachedWorkers\":").append(g[WORKERS])
                .append(",\"attaches\":").append(g[ATTACHES_INDEX])
                .append(",\"refusals\":").append(g[REFUSALS])
                .append("},\"workers\":[");
        workers(json, before, now);
        json.append("]}");
        out.println(json);
        out.flush();
    }

    /** Rates not known (NaN: the channel may have had no row at the last sample) print as null. */
    private static void workers(StringBuilder json, StatSample before, StatSample now) {
        boolean first = true;
        long page = now.pageSizeBytes();
        for (StatSample.Worker w : now.workers()) {
            long[] v = w.values();
            json.append(first ? "{" : ",{").append("\"attachId\":").append(w.attachId())
                    .append(",\"pid\":").append(w.pid())
                    .append(",\"name\":").append(string(w.name()))
                    .append(",\"reactor\":").append(w.reactor())
                    .append(",\"readsPerSecond\":").append(number(now.workerRateSince(before, w, W_READS)))
                    .append(",\"writesPerSecond\":").append(number(now.workerRateSince(before, w, W_WRITES)))
                    .append(",\"readBytesPerSecond\":")
                    .append(number(now.workerRateSince(before, w, W_PAGES_READ) * page))
                    .append(",\"writeBytesPerSecond\":")
                    .append(number(now.workerRateSince(before, w, W_PAGES_WRITTEN) * page))
                    .append(",\"reads\":").append(v[W_READS])
                    .append(",\"writes\":").append(v[W_WRITES])
                    .append(",\"bytesRead\":").append(v[W_PAGES_READ] * page)
                    .append(",\"bytesWritten\":").append(v[W_PAGES_WRITTEN] * page)
                    .append(",\"inFlight\":").append(v[W_IN_FLIGHT])
                    .append(",\"timeouts\":").append(v[W_TIMEOUTS])
                    .append(",\"invalidRequests\":").append(v[W_INVALID])
                    .append(",\"errors\":{\"ioError\":").append(v[W_IO_ERRORS])
                    .append(",\"noSpace\":").append(v[W_NO_SPACE])
                    .append(",\"shuttingDown\":").append(v[W_SHUTTING_DOWN])
                    .append("},\"cacheHits\":").append(v[W_CACHE_HITS])
                    .append(",\"cacheMisses\":").append(v[W_CACHE_MISSES])
                    .append(",\"cacheEvictions\":").append(v[W_CACHE_EVICTIONS])
                    .append('}');
            first = false;
        }
    }

    /** A JSON string; the manager keeps names printable ASCII, so only the quote and the backslash need escapes. */
    private static String string(String text) {
        return '"' + text.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

    private static String quantile(long[] histogram, double q) {
        long nanos = quantileNanos(histogram, q);
        return nanos < 0 ? "null" : Long.toString(nanos);
    }

    private static String ratio(double value) {
        return value < 0 ? "null" : number(value);
    }

    private static String number(double value) {
        return Double.isFinite(value) ? String.format(java.util.Locale.ROOT, "%.3f", value) : "null";
    }
}

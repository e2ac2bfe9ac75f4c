package dev.pagestore.cli.stat;

import static dev.pagestore.cli.stat.StatSample.*;

import dev.pagestore.status.LatencyBuckets;
import dev.pagestore.status.StatusRegionDescriptor;
import java.io.PrintWriter;

/**
 * The Prometheus text exposition format (version 0.0.4) of one sample: counters as totals since the manager's start
 * (Prometheus takes the rates), gauges as they are, and each reactor's read and write latency as a histogram
 * (label {@code direction}) with cumulative {@code le} buckets at the powers of two (the region's log-linear buckets
 * summed; {@code stat --format json} gives quantiles within 1.6%), and per attached worker channel its counters
 * (labels {@code pid}, {@code worker}, {@code attach}). Each snapshot ends with a blank
 * line; {@code --count 1 --no-follow} gives one for a node_exporter textfile collector. Labels: {@code reactor};
 * every series also carries {@code epoch}, so a restart starts new series instead of making counters go backwards.
 */
final class StatPrometheus {
    private static final String[][] REACTOR_COUNTERS = {
            {"reads_total", "Read requests answered", "" + READS},
            {"writes_total", "Write requests answered", "" + WRITES},
            {"pages_read_total", "Pages read", "" + PAGES_READ_INDEX},
            {"pages_written_total", "Pages written", "" + PAGES_WRITTEN_INDEX},
            {"errors_total", "Requests answered with an I/O error", "" + ERRORS_INDEX},
            {"invalid_requests_total", "Requests answered INVALID", "" + INVALID},
            {"timeouts_total", "Requests answered TIMEOUT", "" + TIMEOUTS_INDEX},
            {"unmapped_completions_total", "Device completions for no command in flight", "" + UNMAPPED},
            {"channel_faults_total", "Channels no longer served because serving them failed", "" + FAULTS},
            {"doorbells_total", "Device doorbells rung", "" + DOORBELLS_INDEX},
            {"reaps_total", "Device polls that delivered completions or timeouts", "" + REAPS_INDEX}};
    private static final String[][] REACTOR_GAUGES = {
            {"in_flight", "Requests in flight", "" + QUEUE},
            {"channels", "Worker channels served", "" + CHANNELS_INDEX}};
    private static final String[][] GLOBAL_COUNTERS = {
            {"wal_datasyncs_total", "WAL fdatasync calls", "" + DATASYNCS},
            {"wal_commits_total", "WAL group commits", "" + BATCHES},
            {"wal_records_total", "WAL records", "" + RECORDS},
            {"wal_bytes_total", "WAL bytes written", "" + BYTES},
            {"wal_segments_zero_filled_total", "WAL segments made by zero-filling", "" + ZERO_FILLED},
            {"wal_segments_recycled_total", "WAL segments recycled", "" + RECYCLED},
            {"checkpoints_total", "Checkpoints", "" + CHECKPOINTS_INDEX},
            {"attaches_total", "Worker sessions granted", "" + ATTACHES_INDEX},
            {"control_refusals_total", "Control connections turned away", "" + REFUSALS}};
    private static final String[][] GLOBAL_GAUGES = {
            {"attached_workers", "Workers attached", "" + WORKERS},
            {"durable_lsn", "The WAL's durable LSN", "" + DURABLE},
            {"unwritten_pages", "Committed pages waiting for the checkpointer", "" + UNWRITTEN},
            {"recovered_pages", "Pages the last recovery applied", "" + RECOVERED},
            {"redo_lsn", "The WAL's redo point: a restart replays from here to the durable LSN", "" + REDO},
            {"wal_spare_segments", "WAL segments waiting to be recycled", "" + SPARES}};
    private static final String[][] WORKER_COUNTERS = {
            {"worker_reads_total", "Read requests answered, per worker channel", "" + W_READS},
            {"worker_writes_total", "Write requests answered, per worker channel", "" + W_WRITES},
            {"worker_timeouts_total", "Requests answered TIMEOUT, per worker channel", "" + W_TIMEOUTS},
            {"worker_invalid_requests_total", "Requests answered INVALID, per worker channel", "" + W_INVALID},
            {"worker_io_errors_total", "Requests answered IO_ERROR, per worker channel", "" + W_IO_ERRORS},
            {"worker_no_space_total", "Requests answered NO_SPACE, per worker channel", "" + W_NO_SPACE},
            {"worker_shutting_down_total", "Requests answered SHUTTING_DOWN, per worker channel", "" + W_SHUTTING_DOWN},
            {"worker_cache_hits_total", "Page-cache hits the worker reports", "" + W_CACHE_HITS},
            {"worker_cache_misses_total", "Page-cache misses the worker reports", "" + W_CACHE_MISSES},
            {"worker_cache_evictions_total", "Page-cache evictions the worker reports", "" + W_CACHE_EVICTIONS}};

    private StatPrometheus() {
    }

    static void snapshot(PrintWriter out, StatSample now) {
        String epoch = "epoch=\"" + now.epoch() + "\"";
        StringBuilder text = new StringBuilder(8192);
        for (String[] metric : REACTOR_COUNTERS) {
            family(text, metric, "counter");
            for (int r = 0; r < now.reactorCount(); r++) {
                sample(text, metric[0], epoch + ",reactor=\"" + r + "\"", now.reactors()[r][index(metric)]);
            }
        }
        for (String[] metric : REACTOR_GAUGES) {
            family(text, metric, "gauge");
            for (int r = 0; r < now.reactorCount(); r++) {
                sample(text, metric[0], epoch + ",reactor=\"" + r + "\"", now.reactors()[r][index(metric)]);
            }
        }
        for (String[] metric : GLOBAL_COUNTERS) {
            family(text, metric, "counter");
            sample(text, metric[0], epoch, now.global()[index(metric)]);
        }
        for (String[] metric : GLOBAL_GAUGES) {
            family(text, metric, "gauge");
            sample(text, metric[0], epoch, now.global()[index(metric)]);
        }
        text.append("# HELP pagestore_wal_write_seconds_total Time the WAL writer spent in device writes\n")
                .append("# TYPE pagestore_wal_write_seconds_total counter\n");
        sample(text, "wal_write_seconds_total", epoch, now.global()[WRITE_NANOS] / 1e9);
        text.append("# HELP pagestore_wal_fdatasync_seconds_total Time the WAL writer spent in fdatasync\n")
                .append("# TYPE pagestore_wal_fdatasync_seconds_total counter\n");
        sample(text, "wal_fdatasync_seconds_total", epoch, now.global()[SYNC_NANOS] / 1e9);
        text.append("# HELP pagestore_busy_seconds_total Length of the reactor's loop passes that found work\n")
                .append("# TYPE pagestore_busy_seconds_total counter\n");
        for (int r = 0; r < now.reactorCount(); r++) {
            sample(text, "busy_seconds_total", epoch + ",reactor=\"" + r + "\"", now.reactors()[r][BUSY] / 1e9);
        }
        workers(text, now, epoch);
        if (now.global()[LAST_CHECKPOINT] > 0) {
            text.append("# HELP pagestore_last_checkpoint_timestamp_seconds When the last checkpoint completed\n")
                    .append("# TYPE pagestore_last_checkpoint_timestamp_seconds gauge\n");
            sample(text, "last_checkpoint_timestamp_seconds", epoch, now.global()[LAST_CHECKPOINT] / 1e3);
        }
        if (now.global()[STANDBY_LSN] != 0) {
            text.append("# HELP pagestore_standby_applied_lsn A standby's position in the primary's log\n")
                    .append("# TYPE pagestore_standby_applied_lsn gauge\n");
            sample(text, "standby_applied_lsn", epoch, now.global()[STANDBY_LSN]);
        }
        if (now.global()[STANDBY_CAUGHT_UP] != 0) {
            text.append("# HELP pagestore_standby_caught_up_timestamp_seconds When a standby last had applied all the"
                    + " ledgers confirmed\n")
                    .append("# TYPE pagestore_standby_caught_up_timestamp_seconds gauge\n");
            sample(text, "standby_caught_up_timestamp_seconds", epoch, now.global()[STANDBY_CAUGHT_UP] / 1e3);
        }
        text.append("# HELP pagestore_recovery_seconds How long the manager's start-up recovery took\n")
                .append("# TYPE pagestore_recovery_seconds gauge\n");
        sample(text, "recovery_seconds", epoch, now.global()[RECOVERY] / 1e9);
        text.append("# HELP pagestore_request_latency_seconds Request latency by direction, in log2 buckets\n")
                .append("# TYPE pagestore_request_latency_seconds histogram\n");
        for (int r = 0; r < now.reactorCount(); r++) {
            for (boolean write : new boolean[] {false, true}) {
                String labels = epoch + ",reactor=\"" + r + "\",direction=\"" + (write ? "write" : "read") + "\"";
                long[] buckets = (write ? now.writeHistograms() : now.readHistograms())[r];
                long cumulative = 0;
                for (int b = 0; b < StatusRegionDescriptor.HISTOGRAM_BUCKETS; b++) {
                    cumulative += buckets[b];
                    long upper = LatencyBuckets.upperBound(b);
                    if (Long.bitCount(upper) == 1 && b < StatusRegionDescriptor.HISTOGRAM_BUCKETS - 1) {
                        sample(text, "request_latency_seconds_bucket", labels + ",le=\"" + upper / 1e9 + "\"",
                                cumulative);
                    }
                }
                sample(text, "request_latency_seconds_bucket", labels + ",le=\"+Inf\"", cumulative);
                sample(text, "request_latency_seconds_count", labels, cumulative);
            }
        }
        out.print(text.append('\n'));
        out.flush();
    }

    /** Per worker channel, labelled by pid, name and attach id; bytes by direction from pages and the page size. */
    private static void workers(StringBuilder text, StatSample now, String epoch) {
        String[] labels = new String[now.workers().size()];
        for (int i = 0; i < labels.length; i++) {
            StatSample.Worker w = now.workers().get(i);
            labels[i] = epoch + ",pid=\"" + w.pid() + "\",worker=\"" + w.name().replace("\\", "\\\\")
                    .replace("\"", "\\\"") + "\",attach=\"" + w.attachId() + "\"";
        }
        for (String[] metric : WORKER_COUNTERS) {
            family(text, metric, "counter");
            for (int i = 0; i < labels.length; i++) {
                sample(text, metric[0], labels[i], now.workers().get(i).values()[index(metric)]);
            }
        }
        text.append("# HELP pagestore_worker_bytes_total Bytes read and written, per worker channel\n")
                .append("# TYPE pagestore_worker_bytes_total counter\n");
        for (int i = 0; i < labels.length; i++) {
            long[] v = now.workers().get(i).values();
            sample(text, "worker_bytes_total", labels[i] + ",direction=\"read\"", v[W_PAGES_READ] * now.pageSizeBytes());
            sample(text, "worker_bytes_total", labels[i] + ",direction=\"write\"",
                    v[W_PAGES_WRITTEN] * now.pageSizeBytes());
        }
        text.append("# HELP pagestore_worker_in_flight Requests in flight, per worker channel\n")
                .append("# TYPE pagestore_worker_in_flight gauge\n");
        for (int i = 0; i < labels.length; i++) {
            sample(text, "worker_in_flight", labels[i], now.workers().get(i).values()[W_IN_FLIGHT]);
        }
    }

    private static int index(String[] metric) {
        return Integer.parseInt(metric[2]);
    }

    private static void family(StringBuilder text, String[] metric, String type) {
        text.append("# HELP pagestore_").append(metric[0]).append(' ').append(metric[1]).append('\n')
                .append("# TYPE pagestore_").append(metric[0]).append(' ').append(type).append('\n');
    }

    private static void sample(StringBuilder text, String name, String labels, double value) {
        text.append("pagestore_").append(name).append('{').append(labels).append("} ");
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            text.append((long) value);
        } else {
            text.append(value);
        }
        text.append('\n');
    }
}

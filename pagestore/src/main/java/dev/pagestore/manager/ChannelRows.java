package dev.pagestore.manager;

import static dev.pagestore.status.StatusRegionDescriptor.*;

import dev.pagestore.ipc.channel.ChannelDescriptor;
import dev.pagestore.ipc.memory.OrderedAccess;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * Keeps the status region's channel rows ({@code StatusRegionDescriptor}): one per attached channel, up to
 * {@link dev.pagestore.status.StatusRegionDescriptor#CHANNEL_ROWS_MAX}, refreshed at every publish from what the
 * channel's reactor counted and what its worker reports of itself. A channel that left gets a last refresh, then its
 * row is freed; its row goes to the next channel only at a later publish.
 *
 * <p>The worker's figures are read from the channel's worker-written words: any value is copied as it is, shown as
 * the worker's word, and never used for anything else.
 *
 * <p>Thread safety: the status thread only ({@link StatusPublisher}).
 */
final class ChannelRows {
    /** A reactor's count of a channel and the row field it goes to. */
    private record Copied(int counter, long field) {
    }

    private static final Copied[] COUNTED = {
            new Copied(ChannelCounters.READS, ROW_READ_REQUESTS),
            new Copied(ChannelCounters.WRITES, ROW_WRITE_REQUESTS),
            new Copied(ChannelCounters.PAGES_READ, ROW_PAGES_READ),
            new Copied(ChannelCounters.PAGES_WRITTEN, ROW_PAGES_WRITTEN),
            new Copied(ChannelCounters.TIMEOUTS, ROW_TIMEOUTS),
            new Copied(ChannelCounters.INVALID, ROW_INVALID_REQUESTS),
            new Copied(ChannelCounters.IO_ERRORS, ROW_IO_ERRORS),
            new Copied(ChannelCounters.NO_SPACE, ROW_NO_SPACE_ERRORS),
            new Copied(ChannelCounters.SHUTTING_DOWN, ROW_SHUTTING_DOWN)};
    /** The row fields of the worker's figures, in the order of its channel's words. */
    private static final long[] REPORTED = {ROW_CACHE_HITS, ROW_CACHE_MISSES, ROW_CACHE_EVICTIONS};

    static {
        assert REPORTED.length == ChannelDescriptor.WORKER_FIGURE_COUNT : "a row field for every worker figure";
    }

    private final StatusRegion status;
    private final Map<ChannelSession, Integer> rows = new IdentityHashMap<>();
    private final boolean[] taken = new boolean[CHANNEL_ROWS_MAX];
    /** Rows freed at this publish: taken again only at the next, so a reader sees the old channel go first. */
    private final boolean[] freedNow = new boolean[CHANNEL_ROWS_MAX];

    ChannelRows(StatusRegion status) {
        this.status = status;
    }

    /** Brings the rows up to date with the channels {@code attached} now. */
    void publish(Collection<ChannelSession> attached) {
        Set<ChannelSession> live = Collections.newSetFromMap(new IdentityHashMap<>());
        live.addAll(attached);
        Arrays.fill(freedNow, false);
        for (Iterator<Map.Entry<ChannelSession, Integer>> i = rows.entrySet().iterator(); i.hasNext(); ) {
            Map.Entry<ChannelSession, Integer> entry = i.next();
            if (!live.contains(entry.getKey())) {
                int row = entry.getValue();
                refresh(entry.getKey(), row);
                status.closeRow(row);
                taken[row] = false;
                freedNow[row] = true;
                i.remove();
            }
        }
        for (ChannelSession session : live) {
            Integer row = rows.get(session);
            if (row == null) {
                row = freeRow();
                if (row < 0) {
                    continue;  // more channels than rows: the reactor blocks still count this one
                }
                taken[row] = true;
                rows.put(session, row);
                status.openRow(row, session.control.attachId(), session.control.worker().pid(),
                        session.control.worker().startTimeTicks(), session.reactor.index(), session.clientName);
            }
            refresh(session, row);
        }
    }

    private int freeRow() {
        for (int row = 0; row < CHANNEL_ROWS_MAX; row++) {
            if (!taken[row] && !freedNow[row]) {
                return row;
            }
        }
        return -1;
    }

    private void refresh(ChannelSession session, int row) {
        ChannelCounters counters = session.counters;
        for (Copied copied : COUNTED) {
            status.setRow(row, copied.field(), counters.get(copied.counter()));
        }
        status.setRow(row, ROW_IN_FLIGHT, counters.inFlight());
        try {
            MemorySegment header = session.channel.segment();
            for (int f = 0; f < REPORTED.length; f++) {
                long value = OrderedAccess.getLongAcquire(header, ChannelDescriptor.WORKER_FIGURES + f * Long.BYTES);
                status.setRow(row, REPORTED[f], value);
            }
        } catch (Throwable e) {  // worker-controlled memory, or a channel closed meanwhile: Errors included
            // its figures stay as last read
        }
    }
}

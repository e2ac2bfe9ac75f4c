package dev.pagestore.client;

import dev.pagestore.ipc.channel.ChannelDescriptor;
import dev.pagestore.ipc.control.ManagerWatch;
import dev.pagestore.ipc.linux.FutexWaitv;
import dev.pagestore.ipc.memory.OrderedAccess;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.LongAdder;

/**
 * One connection's figures that the worker reports of itself ({@link WorkerFigures}): counted in striped adders, so
 * a page cache's hit costs no shared cache line, and copied into the channel's worker-written words by the process's
 * {@link ManagerWatch} thread at each of its looks, at least every {@link ManagerWatch#SLICE_NANOS}: the manager
 * copies them on every 100 ms, so they are at most about 200 ms old in its status region.
 *
 * <p>Thread safety: {@link #add} from any thread; {@link #look} from the watch thread, which stops looking before the
 * connection unmaps its channel.
 */
final class ReportedFigures implements ManagerWatch.Watched {
    static final int CACHE_HITS = 0;
    static final int CACHE_MISSES = 1;
    static final int CACHE_EVICTIONS = 2;

    private final MemorySegment header;
    private final LongAdder[] figures = new LongAdder[ChannelDescriptor.WORKER_FIGURE_COUNT];

    ReportedFigures(MemorySegment channelHeader) {
        this.header = channelHeader;
        for (int i = 0; i < figures.length; i++) {
            figures[i] = new LongAdder();
        }
    }

    void add(int figure, long delta) {
        if (delta != 0) {
            figures[figure].add(delta);
        }
    }

    @Override
    public int descriptor() {
        return -1;
    }

    @Override
    public boolean look(boolean readable, FutexWaitv sleepOn) {
        try {
            for (int i = 0; i < figures.length; i++) {
                OrderedAccess.setLongRelease(header, ChannelDescriptor.WORKER_FIGURES + (long) i * Long.BYTES,
                        figures[i].sum());
            }
            return true;
        } catch (IllegalStateException e) {
            return false;  // the channel was unmapped: nothing more to report into
        }
    }
}

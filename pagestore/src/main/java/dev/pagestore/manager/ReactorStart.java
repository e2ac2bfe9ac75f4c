package dev.pagestore.manager;

import dev.pagestore.nvme.BlockDevice;
import dev.pagestore.wal.WriteAheadLog;
import java.io.IOException;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts a manager's reactors and waits until each has opened its queue pair on its own thread (a queue pair has one
 * owner thread, so it cannot be opened here and handed over); the first that could not fails the start, naming the
 * device.
 */
final class ReactorStart {
    private static final Logger LOG = LoggerFactory.getLogger(ReactorStart.class);

    private ReactorStart() {
    }

    /**
     * Starts {@code config.reactorCount()} reactors on {@code device}, adding each to {@code reactors} before it
     * starts (so that a failed start stops those already running), and waits for all of them.
     */
    static void startAll(List<Reactor> reactors, ManagerConfig config, BlockDevice device, WriteAheadLog wal,
            StatusRegion status, UnappliedWrites unapplied, UnwrittenPages unwritten, Consumer<Throwable> onFatal,
            Attachments attachments) throws IOException {
        int pageSize = config.pageSizeBytes();
        boolean pin = config.pin();
        if (pin && Runtime.getRuntime().availableProcessors() <= config.reactorCount() + 2) {
            LOG.info("not pinning reactors: {} CPUs, need more than {} (reactors + 2)",
                    Runtime.getRuntime().availableProcessors(), config.reactorCount() + 2);
            pin = false;
        }
        int pageCountMax = Math.min(Math.min(config.ringCapacity(), StoreRecovery.WAL_GROUP_PAGES_MAX),
                Math.max(1, device.maxTransferBytes() / pageSize));
        PageStripes stripes = new PageStripes();
        for (int r = 0; r < config.reactorCount(); r++) {
            Reactor reactor = new Reactor(r, device, config.queueDepth(), wal, status, stripes, unapplied, unwritten,
                    pageSize, config.capacityPages(), pageCountMax, pin, onFatal, attachments::endSession);
            reactors.add(reactor);
            reactor.start();
        }
        for (Reactor reactor : reactors) {
            try {
                reactor.started.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while starting reactors", e);
            }
            if (reactor.startFailure != null) {
                throw new IOException("reactor " + reactor.index() + " could not open its queue pair on "
                        + device.name() + ": " + reactor.startFailure, reactor.startFailure);
            }
        }
    }
}

package dev.pagestore.ipc.channel;

import dev.pagestore.ipc.linux.ErrnoException;
import dev.pagestore.ipc.linux.RobustMutex;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The manager's lifeline in a channel: a {@link RobustMutex} in the channel header
 * ({@link ChannelDescriptor#LIFELINE_OFFSET}) that the manager holds for as long as the channel lives, and that the
 * worker waits on. If the manager process dies, the kernel hands the mutex to the worker as owner-dead within a
 * millisecond, long before the manager's sockets close (see {@link RobustMutex} for the figures), so pending calls can
 * fail with "manager gone" at once. If the manager closes the channel normally, it unlocks first and the worker's
 * wait ends quietly.
 *
 * <h2>Who holds it</h2>
 * A robust mutex belongs to a thread, and a thread that ends holding one reads to the kernel as a death. So the
 * manager holds every channel's lifeline on one thread that lives as long as the process,
 * {@code pagestore-lifeline-holder}, which locks and unlocks on request ({@link #hold}, {@link #release}) and never
 * ends. The worker side ({@link Watch}) is one daemon thread per channel that waits in bounded slices, so that
 * closing the channel can stop it before the memory is unmapped.
 *
 * <h2>Limit</h2>
 * A dying thread's robust list is walked for at most 2048 entries (the kernel's {@code ROBUST_LIST_LIMIT}), so a
 * manager holding more lifelines than that leaves the workers beyond it to learn of its death from their sockets.
 * The control server admits 256 workers by default ({@code ControlServerOptions.DEFAULT_MAX_WORKERS}).
 *
 * <p>Thread safety: {@link #hold} and {@link #release} from any thread; a {@link Watch} is closed once.
 */
public final class Lifeline {
    private static final Logger LOG = LoggerFactory.getLogger(Lifeline.class);
    /** How long one worker-side wait lasts before it checks whether the channel is closing. */
    static final long WATCH_SLICE_NANOS = 20_000_000L;

    private Lifeline() {
    }

    /** Manager side: formats the lifeline in {@code header} and locks it on the holder thread. */
    static void hold(MemorySegment header) throws IOException {
        Holder.INSTANCE.run(() -> {
            RobustMutex mutex = RobustMutex.initialize(lifelineOf(header));
            RobustMutex.Outcome outcome = mutex.lock();
            if (outcome != RobustMutex.Outcome.ACQUIRED) {
                throw new IOException("a freshly formatted lifeline locked as " + outcome);
            }
        });
    }

    /** Manager side: unlocks the lifeline in {@code header}; must come before the channel is unmapped. */
    static void release(MemorySegment header) throws IOException {
        Holder.INSTANCE.run(() -> RobustMutex.at(lifelineOf(header)).unlock());
    }

    /**
     * Worker side: starts a thread that tells {@code onManagerDied} (once, with a detail) if the process holding the
     * lifeline in {@code header} dies. Close the watch before unmapping {@code header}.
     */
    static Watch watch(MemorySegment header, String channelName, Consumer<String> onManagerDied) {
        Watch watch = new Watch(RobustMutex.at(lifelineOf(header)), channelName, onManagerDied);
        watch.thread.start();
        return watch;
    }

    private static MemorySegment lifelineOf(MemorySegment header) {
        return header.asSlice(ChannelDescriptor.LIFELINE_OFFSET, RobustMutex.SIZE_BYTES);
    }

    /** A worker's wait on one channel's lifeline. */
    public static final class Watch implements AutoCloseable {
        private final RobustMutex mutex;
        private final String channelName;
        private final Consumer<String> onManagerDied;
        private final Thread thread;
        private volatile boolean closing;

        private Watch(RobustMutex mutex, String channelName, Consumer<String> onManagerDied) {
            this.mutex = mutex;
            this.channelName = channelName;
            this.onManagerDied = onManagerDied;
            this.thread = new Thread(this::run, "pagestore-lifeline-watch-" + channelName);
            this.thread.setDaemon(true);
        }

        private void run() {
            try {
                while (!closing) {
                    RobustMutex.Outcome outcome = mutex.lockWithin(WATCH_SLICE_NANOS);
                    switch (outcome) {
                        case TIMED_OUT -> {
                            // the manager still holds it
                        }
                        case ACQUIRED -> {
                            // The manager closed the channel and let go: not a death. Give it straight back.
                            mutex.unlock();
                            return;
                        }
                        case OWNER_DIED, NOT_RECOVERABLE -> {
                            if (outcome == RobustMutex.Outcome.OWNER_DIED) {
                                // Leaves it not recoverable: the channel is dead and nobody may trust it again.
                                mutex.unlock();
                            }
                            if (!closing) {
                                onManagerDied.accept("the manager process died holding the lifeline of channel "
                                        + channelName + " (robust mutex " + outcome + ")");
                            }
                            return;
                        }
                    }
                }
            } catch (ErrnoException | RuntimeException e) {
                LOG.warn("lifeline watch of channel {} stopped: {}", channelName, e.toString());
            }
        }

        /** Stops watching; returns once the thread no longer touches the channel's memory. */
        @Override
        public void close() {
            closing = true;
            if (Thread.currentThread() == thread) {
                return;
            }
            boolean interrupted = false;
            while (thread.isAlive()) {
                try {
                    thread.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The manager's one thread that holds every lifeline; it never ends, so it never drops one by accident. */
    private static final class Holder {
        static final Holder INSTANCE = new Holder();

        private final LinkedBlockingQueue<Task> tasks = new LinkedBlockingQueue<>();

        @FunctionalInterface
        interface Action {
            void run() throws IOException;
        }

        private record Task(Action action, CompletableFuture<Void> done) {
        }

        private Holder() {
            Thread thread = new Thread(this::loop, "pagestore-lifeline-holder");
            thread.setDaemon(true);
            thread.start();
        }

        void run(Action action) throws IOException {
            Task task = new Task(action, new CompletableFuture<>());
            tasks.add(task);
            boolean interrupted = false;
            try {
                while (true) {
                    try {
                        task.done.get();
                        return;
                    } catch (InterruptedException e) {
                        interrupted = true;  // the lock or unlock runs regardless; wait for its outcome
                    } catch (ExecutionException e) {
                        Throwable cause = e.getCause();
                        throw cause instanceof IOException io ? io
                                : new IOException("lifeline " + cause.getMessage(), cause);
                    }
                }
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        private void loop() {
            while (true) {
                Task task;
                try {
                    task = tasks.take();
                } catch (InterruptedException e) {
                    continue;  // nobody may stop this thread: ending it would read as the manager's death
                }
                try {
                    task.action.run();
                    task.done.complete(null);
                } catch (Throwable t) {
                    task.done.completeExceptionally(t);
                }
            }
        }
    }
}

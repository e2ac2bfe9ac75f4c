package dev.pagestore.ipc.channel;

import dev.pagestore.ipc.control.ManagerWatch;
import dev.pagestore.ipc.linux.ErrnoException;
import dev.pagestore.ipc.linux.FutexWaitv;
import dev.pagestore.ipc.linux.RobustFutexList;
import dev.pagestore.ipc.memory.OrderedAccess;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The manager's lifeline in a channel: a robust futex entry in the channel header
 * ({@link ChannelDescriptor#LIFELINE_OFFSET}, layout in {@link RobustFutexList}) that the manager holds for as long as
 * the channel lives, and that the worker waits on. If the manager process dies, the kernel marks it owner-dead and
 * wakes the worker within a millisecond, long before the manager's sockets close (figures in {@link RobustFutexList}),
 * so pending calls can fail with "manager gone" at once. If the manager closes the channel normally, it frees the word
 * first and the worker's wait ends quietly.
 *
 * <h2>Who holds it</h2>
 * A robust futex belongs to a thread, and a thread that ends holding one reads to the kernel as a death. So the
 * manager holds every channel's lifeline on one thread that lives as long as the process,
 * {@code pagestore-lifeline-holder}, with its own {@link RobustFutexList}; it takes and frees lifelines on request
 * ({@link #hold}, {@link #release}) and never ends. On the worker side the process's one {@link ManagerWatch} thread
 * sleeps on every channel's word at once, woken by a release or a death; closing a channel's {@link Watch} takes the
 * word off that watch before the memory is unmapped.
 * Nothing the worker writes into the entry can make the manager write elsewhere: the manager never follows the
 * entry's link (see {@link RobustFutexList}).
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
    private Lifeline() {
    }

    /** Manager side: takes the (zeroed) lifeline in {@code header} on the holder thread. */
    static void hold(MemorySegment header) throws IOException {
        Holder.INSTANCE.run(list -> list.hold(lifelineOf(header)));
    }

    /** Manager side: frees the lifeline in {@code header}; must come before the channel is unmapped. */
    static void release(MemorySegment header) throws IOException {
        Holder.INSTANCE.run(list -> list.release(lifelineOf(header)));
    }

    /**
     * Worker side: has the process's {@link ManagerWatch} tell {@code onManagerDied} (once, with a detail, on its
     * thread) if the process holding the lifeline in {@code header} dies. Close the watch before unmapping
     * {@code header}.
     */
    static Watch watch(MemorySegment header, String channelName, Consumer<String> onManagerDied) {
        Watch watch = new Watch(lifelineOf(header), channelName, onManagerDied);
        ManagerWatch.get().add(watch);
        return watch;
    }

    private static MemorySegment lifelineOf(MemorySegment header) {
        return header.asSlice(ChannelDescriptor.LIFELINE_OFFSET, RobustFutexList.ENTRY_BYTES);
    }

    /**
     * A worker's watch on one channel's lifeline, looked after by the process's {@link ManagerWatch} (which sleeps on
     * every channel's lifeline at once).
     */
    public static final class Watch implements AutoCloseable, ManagerWatch.Watched {
        private final MemorySegment entry;
        private final MemorySegment word;
        private final String channelName;
        private final Consumer<String> onManagerDied;
        private volatile boolean closing;

        private Watch(MemorySegment entry, String channelName, Consumer<String> onManagerDied) {
            this.entry = entry;
            this.word = entry.asSlice(RobustFutexList.WORD_OFFSET, Integer.BYTES);
            this.channelName = channelName;
            this.onManagerDied = onManagerDied;
        }

        @Override
        public int descriptor() {
            return -1;
        }

        @Override
        public boolean look(boolean readable, FutexWaitv sleepOn) {
            while (!closing) {
                int value = OrderedAccess.getIntAcquire(entry, RobustFutexList.WORD_OFFSET);
                if ((value & RobustFutexList.FUTEX_OWNER_DIED) != 0) {
                    // A report that throws is logged by the watch, which drops this item as it does here.
                    onManagerDied.accept("the manager process died holding the lifeline of channel " + channelName
                            + " (robust futex owner-dead)");
                    return false;
                }
                if (value == 0) {
                    return false;  // the manager closed the channel and let go: not a death
                }
                if ((value & RobustFutexList.FUTEX_WAITERS) == 0) {
                    // Announce the wait, so that a release or the kernel's owner-dead marking wakes the watch.
                    OrderedAccess.compareAndSetInt(entry, RobustFutexList.WORD_OFFSET, value,
                            value | RobustFutexList.FUTEX_WAITERS);
                    continue;
                }
                sleepOn.add(word, value);  // when the array is full, this word is looked at every slice instead
                return true;
            }
            return false;
        }

        /** Stops watching; returns once the watch no longer touches the channel's memory. */
        @Override
        public void close() {
            closing = true;
            ManagerWatch.get().remove(this);
        }
    }

    /** The manager's one thread that holds every lifeline; it never ends, so it never drops one by accident. */
    private static final class Holder {
        static final Holder INSTANCE = new Holder();

        private final LinkedBlockingQueue<Task> tasks = new LinkedBlockingQueue<>();

        @FunctionalInterface
        interface Action {
            void run(RobustFutexList list) throws IOException;
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
                        interrupted = true;  // the take or free runs regardless; wait for its outcome
                    } catch (ExecutionException e) {
                        Throwable cause = e.getCause();
                        throw cause instanceof IOException io ? io
                                : new IOException("lifeline: " + cause.getMessage(), cause);
                    }
                }
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        private void loop() {
            RobustFutexList list = null;
            try {
                list = RobustFutexList.registerForCurrentThread();
            } catch (ErrnoException | RuntimeException e) {
                LOG.warn("no robust futex list ({}): workers will learn of this manager's death from their sockets"
                        + " only", e.toString());
            }
            while (true) {
                try {
                    Task task = tasks.take();
                    try {
                        if (list != null) {
                            task.action.run(list);
                        }
                        task.done.complete(null);
                    } catch (Throwable t) {
                        task.done.completeExceptionally(t);
                    }
                } catch (Throwable t) {
                    // Nothing may end this thread: ending it would read to every worker as the manager's death.
                }
            }
        }
    }
}

package dev.pagestore.ipc.control;

import dev.pagestore.ipc.linux.ErrnoException;
import dev.pagestore.ipc.linux.Futex;
import dev.pagestore.ipc.linux.FutexWaitv;
import dev.pagestore.ipc.linux.LibcFiles;
import dev.pagestore.ipc.linux.PollSet;
import dev.pagestore.ipc.memory.OrderedAccess;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker process's one thread that watches its managers: every channel's lifeline and every control connection, for
 * as many attachments as the process holds. It sleeps in {@code futex_waitv} on all lifeline words at once (so a
 * manager's death, which the kernel marks in the word and wakes, is seen within a millisecond), and at each wake and
 * at least every {@link #SLICE_NANOS} looks at every control socket without waiting ({@code poll} with no timeout).
 *
 * <h2>Why the sockets are looked at, not slept on</h2>
 * One thread can sleep on futex words or on descriptors, not both. A death is what must be seen at once, and the
 * lifeline carries it; what only the socket carries (a manager that ends a session while alive, or a death the
 * kernel's robust-list walk did not reach) is seen at most one slice late. A manager that ends a session also releases
 * the channel's lifeline, which wakes the watch at once.
 *
 * <h2>Registration</h2>
 * {@link #add} and {@link #remove} from any thread. {@link #remove} returns only once the watch no longer looks at the
 * removed {@link Watched}, so its memory may be unmapped and its descriptor closed after it. A pass whose list changed
 * while it looked does not go to sleep on the words it collected (one of them may be unmapped already); it starts
 * again. At most {@link FutexWaitv#WAITERS_MAX}{@code - 1} words are slept on; words beyond those are looked at every
 * slice. Without {@code futex_waitv} (a kernel before 5.16, or a seccomp filter that refuses it) every word is looked
 * at every slice: a death is then seen within {@link #SLICE_NANOS}.
 *
 * <p>Being woken at least every slice, the watch also serves as the process's 100 ms clock: a {@link Watched} with no
 * descriptor and no words is simply looked at every slice (the client copies the figures it reports this way).
 *
 * <p>A {@link Watched}'s looks run on the watch's thread, one at a time: they must be short and must not wait for the
 * watch (a report that runs the worker's code hands it to another thread). One that throws is dropped.
 */
public final class ManagerWatch {
    /** The longest sleep between two looks at the sockets. */
    public static final long SLICE_NANOS = 100_000_000L;
    private static final Logger LOG = LoggerFactory.getLogger(ManagerWatch.class);
    private static final ManagerWatch INSTANCE = new ManagerWatch();

    /** One thing the watch looks after. */
    public interface Watched {
        /** The descriptor whose input {@link #look} reads, or -1 for none. */
        int descriptor();

        /**
         * Looks for news without waiting, and adds the futex words to sleep on until the next look.
         *
         * @param readable whether {@link #descriptor()} has input, an end or an error
         * @return false when nothing more will come: the watch drops it
         */
        boolean look(boolean readable, FutexWaitv sleepOn);
    }

    private final Object lock = new Object();
    /** Bumped and woken on every change of {@link #watched}, so that a sleeping watch takes the new list. */
    private final MemorySegment changes = Arena.global().allocate(Integer.BYTES, Integer.BYTES);
    private final FutexWaitv sleep = new FutexWaitv();
    private final PollSet poll = new PollSet(Arena.global(), 8);
    private Watched[] watched = new Watched[0];  // guarded by lock
    private long generation;  // guarded by lock
    private long passGeneration;  // guarded by lock: the generation whose list the current pass uses
    private Thread thread;  // guarded by lock; started on the first add

    private ManagerWatch() {
    }

    /** The process's watch. */
    public static ManagerWatch get() {
        return INSTANCE;
    }

    /** Starts watching {@code w}. */
    public void add(Watched w) {
        synchronized (lock) {
            watched = Arrays.copyOf(watched, watched.length + 1);
            watched[watched.length - 1] = w;
            changed();
            if (thread == null) {
                thread = Thread.ofPlatform().daemon().name("pagestore-manager-watch").start(this::run);
            }
        }
        wakeWatch();
    }

    /** Stops watching {@code w}; returns once the watch no longer looks at it (at once on the watch's own thread). */
    public void remove(Watched w) {
        long removedAt;
        synchronized (lock) {
            if (!without(w)) {
                return;
            }
            removedAt = generation;
        }
        wakeWatch();
        if (Thread.currentThread() == thread) {
            return;
        }
        boolean interrupted = false;
        synchronized (lock) {
            while (passGeneration < removedAt && thread.isAlive()) {
                try {
                    lock.wait(SLICE_NANOS / 1_000_000);
                } catch (InterruptedException e) {
                    interrupted = true;  // the caller is about to unmap what the watch may be reading: wait on
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Takes {@code w} off the list; false when it was not on it. Holds the lock. */
    private boolean without(Watched w) {
        for (int i = 0; i < watched.length; i++) {
            if (watched[i] == w) {
                Watched[] fewer = new Watched[watched.length - 1];
                System.arraycopy(watched, 0, fewer, 0, i);
                System.arraycopy(watched, i + 1, fewer, i, fewer.length - i);
                watched = fewer;
                changed();
                return true;
            }
        }
        return false;
    }

    /** Holds the lock: a new list, which the sleeping watch must take ({@link #wakeWatch} after the lock). */
    private void changed() {
        generation++;
        OrderedAccess.setIntRelease(changes, 0, OrderedAccess.getIntAcquire(changes, 0) + 1);
    }

    private void wakeWatch() {
        Futex.wake(changes, 1);
    }

    private void run() {
        while (true) {
            try {
                pass();
            } catch (RuntimeException | Error e) {
                // Ending this thread would leave every attachment blind to its manager's death: log and go on.
                LOG.error("manager watch pass failed; watching on", e);
                LockSupport.parkNanos(SLICE_NANOS);
            }
        }
    }

    /** One look at everything, then one sleep until a word changes or a slice passes. */
    private void pass() {
        Watched[] now;
        int changeValue;
        synchronized (lock) {
            changeValue = OrderedAccess.getIntAcquire(changes, 0);
            now = watched;
            passGeneration = generation;
            lock.notifyAll();
        }
        poll.clear();
        for (Watched w : now) {
            int fd = w.descriptor();
            poll.add(fd, LibcFiles.POLLIN);  // a negative descriptor is skipped by poll(2)
        }
        try {
            poll.poll(0);
        } catch (ErrnoException e) {
            // Nothing reads as readable this pass; the sockets are looked at again next slice.
            LOG.warn("manager watch: poll of {} descriptors failed: {}", now.length, e.getMessage());
        }
        sleep.clear();
        sleep.add(changes, changeValue);
        for (int i = 0; i < now.length; i++) {
            boolean readable = now[i].descriptor() >= 0 && poll.readyEvents(i) != 0;
            boolean more;
            try {
                more = now[i].look(readable, sleep);
            } catch (RuntimeException | Error e) {
                // One broken item must not blind the watch to every other: it is dropped, once.
                LOG.error("manager watch: dropping {} after it failed", now[i], e);
                more = false;
            }
            if (!more) {
                drop(now[i]);
            }
        }
        synchronized (lock) {
            if (generation != passGeneration) {
                return;  // the list changed during the looks: an item removed meanwhile may already be unmapped
            }
        }
        long until = now.length == 0 ? Long.MAX_VALUE : System.nanoTime() + SLICE_NANOS;
        if (sleep.available()) {
            sleep.await(until);
        }
        if (!sleep.available()) {
            // A kernel without futex_waitv (before 5.16): the lifelines are looked at every slice instead.
            Futex.await(changes, changeValue, Math.min(until - System.nanoTime(), SLICE_NANOS));
        }
    }

    private void drop(Watched w) {
        synchronized (lock) {
            without(w);
        }
    }
}

package dev.pagestore.ipc.linux;

import dev.pagestore.ipc.owner.SingleOwner;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.pagestore.ipc.memory.OrderedAccess;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One thread's robust futex list ({@code set_robust_list(2)}), kept in Java: the kernel's own way to tell another
 * process that this thread died. Each held futex is an <em>entry</em> in shared memory; when the thread ends for any
 * reason, the kernel walks the list, sets {@link #FUTEX_OWNER_DIED} in every word that still names this thread and
 * wakes a waiter. It does so while the thread leaves its address space ({@code exit_mm}), before the address space is
 * torn down and before the process's sockets close, which grows with its memory: measured on this project's 2-core
 * VM, a socket's end of stream came 14 ms after SIGKILL for 100 MiB resident, 111 ms for 1 GiB, 423 ms for 4 GiB,
 * the owner-dead wake 0.3-0.6 ms.
 *
 * <h2>Entry layout (16 bytes, 8-byte aligned, in a {@code MAP_SHARED} mapping)</h2>
 * <pre>
 *  offset  size  field  written by                 meaning
 *       0     8  link   the holding thread only    the kernel's {@code struct robust_list}: next entry, or the head
 *       8     4  word   holder, waiters, kernel    0 free; else holder TID | {@link #FUTEX_WAITERS} | {@link #FUTEX_OWNER_DIED}
 *      12     4  (pad)
 * </pre>
 *
 * <h2>Why not a robust pthread mutex</h2>
 * glibc links the robust mutexes a thread holds through their own bytes and, on every lock and unlock, writes through
 * the neighbours' links. Those bytes are in memory the other process can write: a buggy or hostile peer could aim the
 * holder's next unlock at any address. Here the links are <b>written from this object's private record and never
 * read</b> by Java; only the kernel reads them, with fault-safe accesses, at the thread's exit, and changes a word only
 * if it names the dying thread. The worst a peer that scribbles on an entry can do is cut the walk short, so that
 * waiters on later entries learn of the death another way.
 *
 * <h2>Rules</h2>
 * <ul>
 *   <li>Register on a thread that never uses robust pthread mutexes: this replaces glibc's list for that thread.</li>
 *   <li>Every call from the registering thread; every held entry stays mapped until {@link #release}d.</li>
 *   <li>The kernel walks at most 2048 entries ({@code ROBUST_LIST_LIMIT}).</li>
 * </ul>
 *
 * <p>Thread safety: one owner thread (checked).
 */
public final class RobustFutexList {
    /** Set in the word by a waiter before it sleeps, so that the holder's release wakes it. */
    public static final int FUTEX_WAITERS = 0x8000_0000;
    /** Set in the word by the kernel when the holding thread dies. */
    public static final int FUTEX_OWNER_DIED = 0x4000_0000;
    public static final int FUTEX_TID_MASK = 0x3FFF_FFFF;
    public static final long ENTRY_BYTES = 16;
    public static final long LINK_OFFSET = 0;
    public static final long WORD_OFFSET = 8;

    /** {@code struct robust_list_head}: list (the first link), futex_offset, list_op_pending. */
    private static final long HEAD_BYTES = 24;
    private static final long HEAD_FUTEX_OFFSET = 8;
    private static final long HEAD_PENDING = 16;

    private final SingleOwner owner;
    private final int tid;
    private final MemorySegment head;
    /** The held entries in list order (the head links to the first). */
    private final List<MemorySegment> held = new ArrayList<>();

    private RobustFutexList(Thread owner, int tid, MemorySegment head) {
        this.owner = new SingleOwner("the robust futex list of thread '" + owner.getName() + "'",
                "the kernel walks a list only for the thread that registered it", owner);
        this.tid = tid;
        this.head = head;
    }

    /** Registers an empty list for the calling thread (replacing glibc's); the list lives as long as the process. */
    public static RobustFutexList registerForCurrentThread() throws ErrnoException {
        MemorySegment head = Arena.global().allocate(HEAD_BYTES, 8);
        head.set(JAVA_LONG, 0, head.address());  // empty: the list points at itself
        head.set(JAVA_LONG, HEAD_FUTEX_OFFSET, WORD_OFFSET - LINK_OFFSET);
        head.set(JAVA_LONG, HEAD_PENDING, 0);
        Libc.check(Libc.syscall(Arch.CURRENT.sysSetRobustList, head.address(), HEAD_BYTES, 0, 0, 0, 0),
                "set_robust_list", "thread " + Thread.currentThread().getName());
        int tid = (int) Libc.syscall(Arch.CURRENT.sysGettid, 0, 0, 0, 0, 0, 0);
        return new RobustFutexList(Thread.currentThread(), tid, head);
    }

    /** The kernel's id of the registered thread, as the held words hold it. */
    public int tid() {
        return tid;
    }

    /** Entries held now. */
    public int size() {
        return held.size();
    }

    /**
     * Takes the free futex of {@code entry} (its word becomes this thread's id) and links it first in the list.
     *
     * @throws IllegalStateException when the word is not free
     */
    public void hold(MemorySegment entry) {
        checkOwner();
        checkEntry(entry);
        head.set(JAVA_LONG, HEAD_PENDING, entry.address());  // covers a death between the two steps below
        if (!OrderedAccess.compareAndSetInt(entry, WORD_OFFSET, 0, tid)) {
            head.set(JAVA_LONG, HEAD_PENDING, 0);
            throw new IllegalStateException("robust futex at 0x" + Long.toHexString(entry.address()) + " is not free");
        }
        long next = held.isEmpty() ? head.address() : held.getFirst().address();
        entry.set(JAVA_LONG, LINK_OFFSET, next);
        head.set(JAVA_LONG, 0, entry.address());
        held.addFirst(entry);
        head.set(JAVA_LONG, HEAD_PENDING, 0);
    }

    /**
     * Unlinks {@code entry} (writing only links this object knows, never following the shared ones) and frees its word,
     * waking a waiter if one announced itself.
     *
     * @return whether the word still named this thread (false when something else wrote it meanwhile)
     */
    public boolean release(MemorySegment entry) {
        checkOwner();
        int index = indexOf(entry);
        if (index < 0) {
            throw new IllegalArgumentException("robust futex at 0x" + Long.toHexString(entry.address())
                    + " is not held by this list");
        }
        head.set(JAVA_LONG, HEAD_PENDING, entry.address());
        long next = index + 1 < held.size() ? held.get(index + 1).address() : head.address();
        MemorySegment previous = index == 0 ? head : held.get(index - 1);
        previous.set(JAVA_LONG, LINK_OFFSET, next);
        held.remove(index);
        int old = OrderedAccess.getAndSetInt(entry, WORD_OFFSET, 0);
        if ((old & FUTEX_WAITERS) != 0) {
            Futex.wake(entry.asSlice(WORD_OFFSET, 4), 1);
        }
        head.set(JAVA_LONG, HEAD_PENDING, 0);
        return (old & FUTEX_TID_MASK) == tid;
    }

    private int indexOf(MemorySegment entry) {
        for (int i = 0; i < held.size(); i++) {
            if (held.get(i).address() == entry.address()) {
                return i;
            }
        }
        return -1;
    }

    private void checkOwner() {
        owner.check();
    }

    private static void checkEntry(MemorySegment entry) {
        Objects.requireNonNull(entry, "entry");
        if (!entry.isNative() || entry.byteSize() < ENTRY_BYTES || entry.address() % 8 != 0) {
            throw new IllegalArgumentException("a robust futex entry needs " + ENTRY_BYTES + " native bytes at an "
                    + "8-byte aligned address, got " + entry);
        }
    }
}

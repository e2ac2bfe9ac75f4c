package dev.pagestore.manager;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Pages whose write is committed (its WAL record is durable) but whose data-file write failed: the manager keeps their
 * images here, serves reads of them from here, and has the checkpointer write them before it may move the redo point.
 *
 * <h2>Why not answer the write with an error</h2>
 * Once the log holds a write, recovery applies it: answering {@code IO_ERROR} would tell the worker "not written" about
 * a page that every later start brings back. So the answer stays what the log says (committed), and the data-file
 * failure becomes the checkpointer's to retry and to report. A checkpoint that cannot write them fails and keeps the
 * old redo point, so recovery still replays them from the log.
 *
 * <h2>Order with later writes</h2>
 * A later write of the same page supersedes the image: {@link #beginOverwrite} (before that write goes to the device)
 * marks the entry so the checkpointer no longer writes it (its write could otherwise land after the newer one), and the
 * newer write's outcome then removes the entry ({@link #written}) or replaces it ({@link #failed}). Reads take a
 * snapshot of the image when they start ({@link #imageOf}); no write of that page can run meanwhile (busy marks and
 * stripes), and a checkpoint that writes the same image to the file changes nothing the read can see.
 *
 * <p>Thread safety: any thread; one lock, taken by reactors only while {@link #isEmpty()} is false (a healthy store
 * never takes it).
 */
final class UnwrittenPages {
    /** One committed image; immutable but for the superseded mark (under the lock). */
    private static final class Entry {
        final long lsn;
        final byte[] image;
        boolean superseded;

        Entry(long lsn, byte[] image) {
            this.lsn = lsn;
            this.image = image;
        }
    }

    private final Map<Long, Entry> entries = new HashMap<>();
    /** Beyond this many pages the data device is failing, not hiccuping: a quarter of the heap, 65,536 pages at most. */
    private final int pagesMax;
    private volatile int size;

    UnwrittenPages(int pageSizeBytes) {
        long quarterOfHeap = Runtime.getRuntime().maxMemory() / 4;
        this.pagesMax = (int) Math.max(1, Math.min(65_536, quarterOfHeap / pageSizeBytes));
    }

    /** Whether so many pages wait that the manager should stop rather than keep more in memory. */
    boolean isFull() {
        return size >= pagesMax;
    }

    /** Whether no page is waiting; a plain volatile read, for the reactors' fast path. */
    boolean isEmpty() {
        return size == 0;
    }

    /** Pages waiting for the checkpointer now. */
    int size() {
        return size;
    }

    /** The data-file write of {@code page} (record {@code lsn}) failed: keep {@code image} (copied) for reads. */
    synchronized void failed(long page, long lsn, MemorySegment image) {
        Entry previous = entries.get(page);
        if (previous == null || previous.lsn <= lsn) {
            entries.put(page, new Entry(lsn, image.toArray(ValueLayout.JAVA_BYTE)));
        }
        size = entries.size();
    }

    /** A newer write of {@code page} is about to go to the device: the checkpointer must not write the older image. */
    synchronized void beginOverwrite(long page) {
        Entry entry = entries.get(page);
        if (entry != null) {
            entry.superseded = true;
        }
    }

    /** A write of {@code page} with record {@code lsn} reached the data file: any older image is obsolete. */
    synchronized void written(long page, long lsn) {
        Entry entry = entries.get(page);
        if (entry != null && entry.lsn <= lsn) {
            entries.remove(page);
            size = entries.size();
        }
    }

    /** The committed image of {@code page} not yet in the data file, or null (reads overlay it on what they read). */
    synchronized byte[] imageOf(long page) {
        Entry entry = entries.get(page);
        return entry == null ? null : entry.image;
    }

    /**
     * The checkpointer's part: writes every image not superseded into {@code data} at its page, forces the file, and
     * only then forgets the images written. An image stays until a force after its write succeeded: a page written to
     * the page cache whose writeback then failed is not in the file, and after a failed {@code fsync} the kernel may
     * have dropped it and will not say so again (PostgreSQL's fsyncgate), so dropping it at the write would lose it.
     *
     * @param data where the images go and what is forced after them (a descriptor or device held for the manager's
     *             life: one opened after a writeback error would not see it)
     * @throws DataFileSyncException when the force fails: the caller must stop (nothing forced since is trustworthy)
     * @throws IOException when some page still cannot be written (the message counts them and names the first
     *         error); the images stay, and the checkpoint must not move the redo point
     */
    void checkpoint(DataPageSink data) throws IOException {
        List<Long> pages;
        synchronized (this) {
            pages = new ArrayList<>(entries.keySet());
        }
        List<Long> writtenPages = new ArrayList<>();
        List<Entry> writtenEntries = new ArrayList<>();
        int failedPages = 0;
        IOException first = null;
        for (long page : pages) {
            synchronized (this) {  // a reactor's beginOverwrite waits for this page's write, so the newer one lands last
                Entry entry = entries.get(page);
                if (entry == null || entry.superseded) {
                    continue;
                }
                try {
                    data.write(page, entry.image);
                    writtenPages.add(page);
                    writtenEntries.add(entry);
                } catch (DataFileSyncException e) {
                    throw e;  // the device itself failed the checkpoint: the caller stops the manager
                } catch (IOException e) {
                    failedPages++;
                    if (first == null) {
                        first = e;
                    }
                }
            }
        }
        try {
            data.force();
        } catch (IOException e) {
            throw new DataFileSyncException("fdatasync of the data file failed: " + e.getMessage(), e);
        }
        synchronized (this) {
            for (int i = 0; i < writtenPages.size(); i++) {
                // Only the very image written, and only if no newer write has claimed the page meanwhile.
                if (entries.get(writtenPages.get(i)) == writtenEntries.get(i) && !writtenEntries.get(i).superseded) {
                    entries.remove(writtenPages.get(i));
                }
            }
            size = entries.size();
        }
        if (first != null) {
            throw new IOException(failedPages + " committed page(s) still cannot be written to the data file (first: "
                    + first.getMessage() + "); they stay in the WAL and in memory", first);
        }
    }
}

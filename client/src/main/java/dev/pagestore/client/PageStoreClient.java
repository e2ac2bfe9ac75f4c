package dev.pagestore.client;

import dev.pagestore.ipc.linux.Libc;
import dev.pagestore.ipc.linux.LibcProcesses;
import dev.pagestore.ipc.ring.RequestDescriptor;
import dev.pagestore.protocol.PageStoreProtocol;
import dev.pagestore.status.PageVersions;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * A worker process's connection to the page store: reads and writes pages through the manager, over one channel.
 *
 * <h2>Threads</h2>
 * Any number of threads, platform or virtual, may share one client. A channel's request ring has one producer, so
 * posting a request (and the whole of an atomic batch) holds a lock for the few hundred nanoseconds of writing its
 * descriptor. A synchronous call on a platform thread then reads the completion ring itself when nobody else does
 * (see {@code Completions}): the manager's wake-up reaches the caller directly, and the call allocates nothing when
 * its buffer is the caller's. A virtual thread parks instead, never holding its carrier in the kernel, and the
 * client's completion thread answers it. Futures the manager answers complete on that thread (a failure without an
 * answer, on the thread that found it); keep callbacks short (or use the {@code ...Async} variants of
 * {@link CompletableFuture}). An asynchronous call never waits for a request slot: with
 * all {@link #capacity()} taken its future fails with {@link ErrorCode#BUSY}. {@link PageStore} spreads threads over
 * a few such clients.
 *
 * <h2>Errors and deadlines</h2>
 * Every call has a deadline (its {@code timeout}, or {@link ClientOptions#defaultTimeout()}); failures are
 * {@link PageStoreException}s with an {@link ErrorCode}. When the manager dies every pending call fails with
 * {@code MANAGER_GONE} at once (the control socket closes); with {@link ClientOptions#autoReattach()} the client
 * attaches again in the background and later calls go to the new manager.
 *
 * <pre>{@code
 * try (PageStoreClient store = PageStoreClient.attach(Path.of("/var/lib/pagestore"), ClientOptions.defaults())) {
 *     byte[] page = new byte[store.pageSizeBytes()];
 *     page[0] = 42;
 *     store.write(7, page);                              // durable when it returns
 *     byte[] back = store.read(7);
 *     store.writeBatch(new long[] {1, 2}, new byte[][] {page, page});   // both or neither after a crash
 *     CompletableFuture<byte[]> later = store.readAsync(9);
 * }
 * }</pre>
 */
public final class PageStoreClient implements AutoCloseable {
    private final Path directory;
    private final ClientOptions options;
    final Reattachment attachment;
    /** Posts requests for any number of threads. */
    final Posting posting = new Posting();
    private final Poller poller;
    private final PageClaims claims;
    private final WorkerFigures figures;

    private PageStoreClient(Path directory, ClientOptions options, Reattachment attachment) {
        this.directory = directory;
        this.options = options;
        this.attachment = attachment;
        this.poller = new Poller(this);
        this.claims = new PageClaims(this);
        this.figures = new WorkerFigures(attachment);
    }

    /**
     * Attaches to the manager of a data directory, or of a control socket ({@code DIR/manager.sock}).
     *
     * @throws PageStoreException with {@code MANAGER_GONE} when no manager answers there
     */
    public static PageStoreClient attach(Path directoryOrSocket, ClientOptions options) throws IOException {
        Objects.requireNonNull(directoryOrSocket, "directoryOrSocket");
        Objects.requireNonNull(options, "options");
        Path directory = Files.isDirectory(directoryOrSocket) ? directoryOrSocket : directoryOrSocket.getParent();
        if (directory == null || !Files.isDirectory(directory)) {
            throw new IllegalArgumentException("directoryOrSocket=" + directoryOrSocket
                    + " is neither a data directory nor a socket in one");
        }
        directory = directory.toRealPath();
        Path socket = Files.isDirectory(directoryOrSocket) ? PageStoreProtocol.socketPath(directory)
                : directoryOrSocket;
        return new PageStoreClient(directory, options, Reattachment.attach(directory, socket, options));
    }

    /** Reads page {@code pageNumber} (never-written pages read as zeros). */
    public byte[] read(long pageNumber) throws PageStoreException {
        return read(pageNumber, options.defaultTimeout());
    }

    public byte[] read(long pageNumber, Duration timeout) throws PageStoreException {
        byte[] page = new byte[pageSizeBytes()];
        call(RequestDescriptor.OPCODE_READ, pageNumber, null, MemorySegment.ofArray(page), timeout);
        return page;
    }

    /**
     * Reads page {@code pageNumber} into {@code destination} ({@link #pageSizeBytes()} bytes, writable). The page is
     * copied on the calling thread, so any segment works, a confined one of this thread's included; the call
     * allocates nothing.
     */
    public void read(long pageNumber, MemorySegment destination, Duration timeout) throws PageStoreException {
        PageArguments.checkDestination(pageSizeBytes(), destination);
        call(RequestDescriptor.OPCODE_READ, pageNumber, null, destination, timeout);
    }

    /**
     * Reads page {@code pageNumber} into the next {@link #pageSizeBytes()} bytes of {@code destination} (heap or
     * direct, writable, with at least that many remaining) and advances its position past them, as a channel read
     * does. On failure the buffer's position is unchanged.
     */
    public void read(long pageNumber, ByteBuffer destination, Duration timeout) throws PageStoreException {
        PageArguments.checkBuffer(pageSizeBytes(), destination, "destination", true);
        Connection c = begin(RequestDescriptor.OPCODE_READ, pageNumber, timeout);
        long deadlineNanos = System.nanoTime() + timeout.toNanos();
        long id = posting.postSync(c, RequestDescriptor.OPCODE_READ, pageNumber, (MemorySegment) null, deadlineNanos);
        c.awaitAnswerInto(c.pending.entry(id), id, pageNumber, destination, deadlineNanos);
        destination.position(destination.position() + pageSizeBytes());
    }

    public CompletableFuture<byte[]> readAsync(long pageNumber) throws PageStoreException {
        return readAsync(pageNumber, options.defaultTimeout());
    }

    public CompletableFuture<byte[]> readAsync(long pageNumber, Duration timeout) throws PageStoreException {
        return submit(RequestDescriptor.OPCODE_READ, pageNumber, null, null, false, timeout)
                .thenApply(o -> (byte[]) o);
    }

    /**
     * Reads page {@code pageNumber} into {@code destination}, which the client's completion thread fills: it must be
     * writable and accessible from any thread (global, automatic or shared arena, or a heap array), since a confined
     * segment can only be filled by its owner (use {@link #read(long, MemorySegment, Duration)} for those).
     *
     * @throws IllegalArgumentException when {@code destination} is the wrong size, read-only, closed or confined
     */
    public CompletableFuture<MemorySegment> readAsync(long pageNumber, MemorySegment destination, Duration timeout)
            throws PageStoreException {
        PageArguments.checkDestination(pageSizeBytes(), destination);
        if (!attachment.current().completionThreadCanFill(destination)) {
            throw new IllegalArgumentException("destination is confined to another thread's arena; the completion"
                    + " thread cannot fill it: use read(pageNumber, destination, timeout) or a shared, global or"
                    + " automatic arena");
        }
        return submit(RequestDescriptor.OPCODE_READ, pageNumber, null, destination, false, timeout)
                .thenApply(o -> (MemorySegment) o);
    }

    /** Reads several pages, all issued before the first is awaited; the list is in {@code pageNumbers} order. */
    public List<byte[]> readMany(long[] pageNumbers) throws PageStoreException {
        return readMany(pageNumbers, options.defaultTimeout());
    }

    public List<byte[]> readMany(long[] pageNumbers, Duration timeout) throws PageStoreException {
        refuseOnCompletionThread();
        return Awaiting.await(readMany(pageNumbers, true, timeout), timeout);
    }

    /**
     * Reads several pages asynchronously; at most {@link #capacity()} at once (beyond that free request slots, the
     * future fails with {@code BUSY}: see {@link ErrorCode#BUSY}).
     */
    public CompletableFuture<List<byte[]>> readManyAsync(long[] pageNumbers, Duration timeout)
            throws PageStoreException {
        return readMany(pageNumbers, false, timeout);
    }

    private CompletableFuture<List<byte[]>> readMany(long[] pageNumbers, boolean mayWait, Duration timeout)
            throws PageStoreException {
        List<CompletableFuture<Object>> futures = new ArrayList<>(pageNumbers.length);
        for (long page : pageNumbers) {
            futures.add(submit(RequestDescriptor.OPCODE_READ, page, null, null, mayWait, timeout));
        }
        return CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))
                .thenApply(v -> futures.stream().map(f -> (byte[]) f.join()).toList());
    }

    /** Writes page {@code pageNumber}; durable (in the WAL) when this returns. */
    public void write(long pageNumber, byte[] data) throws PageStoreException {
        write(pageNumber, data, options.defaultTimeout());
    }

    public void write(long pageNumber, byte[] data, Duration timeout) throws PageStoreException {
        write(pageNumber, MemorySegment.ofArray(Objects.requireNonNull(data, "data")), timeout);
    }

    /**
     * Writes page {@code pageNumber} from {@code data} ({@link #pageSizeBytes()} bytes); durable (in the WAL) when this
     * returns. The bytes are copied before the request is posted: {@code data} is the caller's again as soon as the
     * call returns, or throws. Allocates nothing.
     */
    public void write(long pageNumber, MemorySegment data, Duration timeout) throws PageStoreException {
        PageArguments.checkLength(pageSizeBytes(), data, "data");
        call(RequestDescriptor.OPCODE_WRITE, pageNumber, data, null, timeout);
    }

    /**
     * Writes page {@code pageNumber} from the next {@link #pageSizeBytes()} bytes of {@code data} (heap or direct, at
     * least that many remaining) and advances its position past them, as a channel write does. On failure the
     * buffer's position is unchanged.
     */
    public void write(long pageNumber, ByteBuffer data, Duration timeout) throws PageStoreException {
        PageArguments.checkBuffer(pageSizeBytes(), data, "data", false);
        Connection c = begin(RequestDescriptor.OPCODE_WRITE, pageNumber, timeout);
        long deadlineNanos = System.nanoTime() + timeout.toNanos();
        long id = posting.postSync(c, pageNumber, data, deadlineNanos);
        c.awaitAnswer(c.pending.entry(id), id, RequestDescriptor.OPCODE_WRITE, pageNumber, null, deadlineNanos);
        data.position(data.position() + pageSizeBytes());
    }

    public CompletableFuture<Void> writeAsync(long pageNumber, byte[] data) throws PageStoreException {
        return writeAsync(pageNumber, data, options.defaultTimeout());
    }

    public CompletableFuture<Void> writeAsync(long pageNumber, byte[] data, Duration timeout)
            throws PageStoreException {
        return writeAsync(pageNumber, MemorySegment.ofArray(Objects.requireNonNull(data, "data")), timeout);
    }

    /** Posts a write of {@code data}, which is copied before this returns: the caller may reuse it at once. */
    public CompletableFuture<Void> writeAsync(long pageNumber, MemorySegment data, Duration timeout)
            throws PageStoreException {
        PageArguments.checkLength(pageSizeBytes(), data, "data");
        return submit(RequestDescriptor.OPCODE_WRITE, pageNumber, data, null, false, timeout)
                .thenApply(o -> null);
    }

    /** As {@link #write(long, ByteBuffer, Duration)}, asynchronous; the bytes are copied and the position advanced. */
    public CompletableFuture<Void> writeAsync(long pageNumber, ByteBuffer data, Duration timeout)
            throws PageStoreException {
        MemorySegment page = PageArguments.pageOf(pageSizeBytes(), data, "data");
        CompletableFuture<Void> written = writeAsync(pageNumber, page, timeout);
        data.position(data.position() + (int) page.byteSize());
        return written;
    }

    /**
     * Writes several pages atomically: after any crash either all of them are there or none. The pages must differ;
     * at most {@link #batchPagesMax()} of them.
     */
    public void writeBatch(long[] pageNumbers, byte[][] data) throws PageStoreException {
        writeBatch(pageNumbers, data, options.defaultTimeout());
    }

    public void writeBatch(long[] pageNumbers, byte[][] data, Duration timeout) throws PageStoreException {
        refuseOnCompletionThread();
        Awaiting.await(writeBatch(pageNumbers, data, true, timeout), timeout);
    }

    /** As {@link #writeBatch}, asynchronous: when too few request slots are free, the future fails with BUSY. */
    public CompletableFuture<Void> writeBatchAsync(long[] pageNumbers, byte[][] data, Duration timeout)
            throws PageStoreException {
        return writeBatch(pageNumbers, data, false, timeout);
    }

    private CompletableFuture<Void> writeBatch(long[] pageNumbers, byte[][] data, boolean mayWait,
            Duration timeout) throws PageStoreException {
        PageArguments.checkBatch(pageSizeBytes(), batchPagesMax(), pageNumbers, data);
        long deadlineNanos = System.nanoTime() + timeout.toNanos();
        return posting.postBatch(attachment.current(), pageNumbers, data, mayWait, deadlineNanos);
    }

    /** Waits until every acknowledged write is durable (they already are) and returns the WAL's durable LSN. */
    public long flush() throws PageStoreException {
        return call(RequestDescriptor.OPCODE_FLUSH, 0, null, null, options.defaultTimeout());
    }

    /** Submit-and-poll calls for an owner driving its own loop: no future, no callback thread, no allocation. */
    public Poller poller() {
        return poller;
    }

    /** Writes built in place, in the request's own buffer slot: no copy of the page in this process. */
    public PageClaims claims() {
        return claims;
    }

    /**
     * A synchronous call: posts, then waits on this thread (reaping completions itself when it can) and collects the
     * outcome, copying a read's page into {@code readInto} here. Returns the completion's result.
     */
    private long call(byte opcode, long pageNumber, MemorySegment writeData, MemorySegment readInto,
            Duration timeout) throws PageStoreException {
        Connection c = begin(opcode, pageNumber, timeout);
        long deadlineNanos = System.nanoTime() + timeout.toNanos();
        long id = posting.postSync(c, opcode, pageNumber, writeData, deadlineNanos);
        return c.awaitAnswer(c.pending.entry(id), id, opcode, pageNumber, readInto, deadlineNanos);
    }

    /** A synchronous call's checks, before anything is sent; returns the connection to post on. */
    private Connection begin(byte opcode, long pageNumber, Duration timeout) throws PageStoreException {
        refuseOnCompletionThread();
        Objects.requireNonNull(timeout, "timeout");
        Connection c = attachment.current();
        PageArguments.checkPage(c.capacityPages, opcode, pageNumber);
        return c;
    }

    private CompletableFuture<Object> submit(byte opcode, long pageNumber, MemorySegment writeData,
            MemorySegment readDestination, boolean mayWait, Duration timeout) throws PageStoreException {
        Objects.requireNonNull(timeout, "timeout");
        long deadlineNanos = System.nanoTime() + timeout.toNanos();
        Connection c = attachment.current();
        PageArguments.checkPage(c.capacityPages, opcode, pageNumber);
        return posting.postAsync(c, opcode, pageNumber, writeData, readDestination, mayWait, deadlineNanos);
    }

    /**
     * Refuses a synchronous call on the client's completion thread (in a future's callback) before it sends
     * anything: only that thread delivers answers, so it would wait for itself until the deadline while every other
     * call stalled.
     */
    void refuseOnCompletionThread() {
        if (attachment.connection().onCompletionThread()) {
            throw new IllegalStateException("a synchronous call from a completion callback would wait for its own"
                    + " thread: use the ...Async call and chain on its future");
        }
    }

    /**
     * Attaches again now, after the manager was gone; waits up to {@code timeout} for a manager.
     *
     * @throws PageStoreException with {@code MANAGER_GONE} when none answered in time
     */
    public void reattach(Duration timeout) throws PageStoreException {
        attachment.reattach(timeout);
    }

    /**
     * Makes this worker process non-dumpable ({@code prctl(PR_SET_DUMPABLE, 0)}), as the manager makes itself: other
     * processes of the same user can then no longer read its memory ({@code /proc/PID/mem}, {@code ptrace}) or open
     * its descriptors, the one way left for them to reach this worker's page buffers (docs/SECURITY.md). It also stops
     * core dumps of this process, which is why it is a choice and not a default. Any thread, any time, idempotent.
     *
     * @throws IOException when the kernel refuses
     */
    public static void protectProcessMemory() throws IOException {
        Libc.check(LibcProcesses.prctl(LibcProcesses.PR_SET_DUMPABLE, 0, 0, 0, 0), "prctl", "PR_SET_DUMPABLE 0");
    }

    public int pageSizeBytes() {
        return attachment.connection().pageSizeBytes;
    }

    public long capacityPages() {
        return attachment.connection().capacityPages;
    }

    /**
     * The most requests this client keeps outstanding (its ring capacity): synchronous calls beyond it wait for a
     * free slot, asynchronous ones fail with {@link ErrorCode#BUSY}. An atomic batch takes its pages plus two.
     */
    public int capacity() {
        return attachment.connection().capacity;
    }

    /** Pages one atomic batch may hold (two ring entries are the batch's markers). */
    public int batchPagesMax() {
        return Math.min(64, attachment.connection().capacity - 2);
    }

    /** The page-version table of the manager this client is attached to (see {@code StatusRegionDescriptor}). */
    public PageVersions versions() {
        return attachment.connection().status;
    }

    /** The epoch of the manager this client is attached to. */
    public long epoch() {
        return attachment.connection().status.epoch();
    }

    /** Whether the current connection's manager is still there. */
    public boolean isConnected() {
        return !attachment.connection().gone;
    }

    /** Where this worker reports its own figures (a page cache's lookups) for {@code pagestore stat --workers}. */
    public WorkerFigures figures() {
        return figures;
    }

    /** Completions that named no outstanding request (a manager protocol violation; should stay 0). */
    public long unmappedCompletions() {
        return attachment.connection().completions.unmapped.get();
    }

    public Path directory() {
        return directory;
    }

    /** Detaches and unmaps; pending calls fail with {@code CLOSED}. */
    @Override
    public void close() {
        attachment.close();
    }
}

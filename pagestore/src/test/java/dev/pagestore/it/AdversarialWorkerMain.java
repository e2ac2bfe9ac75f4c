package dev.pagestore.it;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.pagestore.ipc.channel.ChannelDescriptor;
import dev.pagestore.ipc.control.AttachRefusedException;
import dev.pagestore.ipc.control.RefusalCode;
import dev.pagestore.ipc.linux.LibcFiles;
import dev.pagestore.ipc.ring.RequestDescriptor;
import dev.pagestore.ipc.ring.RingDescriptor;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A worker process that attacks the manager through the protocol, beyond what issue 14 listed: {@code DIR FIRST_PAGE
 * ROUNDS SEED}. Each attack runs on attachments of its own and prints {@code ATTACK name PASS detail} when the manager
 * answered as it must, or {@code ATTACK name FAIL detail}; then {@code DONE}. The pages it writes are
 * [FIRST_PAGE, FIRST_PAGE + 4096). ROUNDS repeats the whole list, in an order shuffled by SEED after the first round
 * (the long run).
 *
 * <p>The test judges the rest: that the manager still serves, that a well-behaved worker next to it saw nothing, and
 * what the status region counted.
 */
public final class AdversarialWorkerMain {
    private static final Duration ANSWER = Duration.ofSeconds(10);
    private static final int FALLOC_FL_KEEP_SIZE = 0x01;
    private static final int FALLOC_FL_PUNCH_HOLE = 0x02;

    private final Path directory;
    private final long firstPage;
    private final SplittableRandom random;
    private int attachments;

    private AdversarialWorkerMain(Path directory, long firstPage, long seed) {
        this.directory = directory;
        this.firstPage = firstPage;
        this.random = new SplittableRandom(seed);
    }

    private interface Attack {
        String run() throws Exception;
    }

    public static void main(String[] args) throws Exception {
        AdversarialWorkerMain main = new AdversarialWorkerMain(Path.of(args[0]), Long.parseLong(args[1]),
                Long.parseLong(args[3]));
        int rounds = Integer.parseInt(args[2]);
        List<String> names = new ArrayList<>(List.of("batchTooLongToEnd", "batchWithoutEndPastItsDeadline",
                "checksumMismatch", "checksumOnARead", "waitingFlagsAlwaysRaised", "lifelineScribbled",
                "holesPunchedInItsOwnSlab", "completionsNeverConsumed", "completionSequenceCorrupted",
                "requestSequenceJumped", "attachUntilRefused", "leaveWithWritesInFlight", "slotsNamedTwice"));
        for (int round = 0; round < rounds; round++) {
            if (round > 0) {
                for (int i = names.size() - 1; i > 0; i--) {  // Fisher-Yates with the seed
                    java.util.Collections.swap(names, i, main.random.nextInt(i + 1));
                }
            }
            for (String name : names) {
                String result;
                try {
                    result = main.attack(name).run();
                } catch (Throwable e) {
                    result = "FAIL threw " + e;
                }
                System.out.println("ATTACK " + name + " " + result);
                System.out.flush();
            }
        }
        System.out.println("DONE attachments=" + main.attachments);
        System.out.flush();
    }

    private Attack attack(String name) {
        return switch (name) {
            case "batchTooLongToEnd" -> this::batchTooLongToEnd;
            case "batchWithoutEndPastItsDeadline" -> this::batchWithoutEndPastItsDeadline;
            case "checksumMismatch" -> this::checksumMismatch;
            case "checksumOnARead" -> this::checksumOnARead;
            case "waitingFlagsAlwaysRaised" -> this::waitingFlagsAlwaysRaised;
            case "lifelineScribbled" -> this::lifelineScribbled;
            case "holesPunchedInItsOwnSlab" -> this::holesPunchedInItsOwnSlab;
            case "completionsNeverConsumed" -> this::completionsNeverConsumed;
            case "completionSequenceCorrupted" -> this::completionSequenceCorrupted;
            case "requestSequenceJumped" -> this::requestSequenceJumped;
            case "attachUntilRefused" -> this::attachUntilRefused;
            case "leaveWithWritesInFlight" -> this::leaveWithWritesInFlight;
            case "slotsNamedTwice" -> this::slotsNamedTwice;
            default -> throw new IllegalArgumentException(name);
        };
    }

    private RawWorker attach() throws Exception {
        attachments++;
        return RawWorker.attach(directory, "adversary");
    }

    private long page() {
        return firstPage + random.nextInt(4096);
    }

    private static long deadline(long millis) {
        return System.nanoTime() + millis * 1_000_000;
    }

    private static void fill(MemorySegment buffer, long page, long stamp) {
        for (long i = 0; i + 16 <= buffer.byteSize(); i += 16) {
            buffer.set(JAVA_LONG, i, page);
            buffer.set(JAVA_LONG, i + 8, stamp);
        }
    }

    /** Writes then reads back one page through {@code raw}; null when both worked and matched, else what went wrong. */
    private String roundTrip(RawWorker raw, long page, long stamp) {
        fill(raw.channel.buffer(0), page, stamp);
        RawWorker.Answer written = raw.await(raw.write(page, 0, true, deadline(5000)), ANSWER);
        if (written == null || written.status() != 1) {
            return "write of page " + page + " answered " + RawWorker.statusName(written);
        }
        raw.channel.buffer(1).fill((byte) 0);
        RawWorker.Answer read = raw.await(raw.read(page, 1, deadline(5000)), ANSWER);
        if (read == null || read.status() != 1) {
            return "read of page " + page + " answered " + RawWorker.statusName(read);
        }
        MemorySegment back = raw.channel.buffer(1);
        if (back.get(JAVA_LONG, 0) != page || back.get(JAVA_LONG, 8) != stamp
                || back.get(JAVA_LONG, back.byteSize() - 8) != stamp) {
            return "page " + page + " read back " + back.get(JAVA_LONG, 0) + "/" + back.get(JAVA_LONG, 8);
        }
        return null;
    }

    /** BEGIN and then as many writes as the ring holds: its END could never be admitted. */
    private String batchTooLongToEnd() throws Exception {
        try (RawWorker raw = attach()) {
            long batch = 7;
            List<Long> ids = new ArrayList<>();
            ids.add(raw.post(RequestDescriptor.OPCODE_BATCH_BEGIN, RequestDescriptor.FLAG_IN_BATCH, 0, 0, 0,
                    deadline(60_000), batch, 0));
            for (int i = 0; i < raw.capacity - 1; i++) {
                fill(raw.channel.buffer(i), firstPage + i, 1);
                ids.add(raw.post(RequestDescriptor.OPCODE_WRITE, RequestDescriptor.FLAG_IN_BATCH, firstPage + i, 1, i,
                        deadline(60_000), batch, 0));
            }
            for (long id : ids) {
                RawWorker.Answer answer = raw.await(id, ANSWER);
                if (answer == null || answer.status() != 2) {
                    return "FAIL request " + id + " of a " + ids.size() + "-entry batch answered "
                            + RawWorker.statusName(answer) + " (INVALID expected, at once)";
                }
            }
            String after = roundTrip(raw, page(), 2);
            return after == null ? "PASS " + ids.size() + " entries answered INVALID, the channel serves on"
                    : "FAIL after the batch: " + after;
        }
    }

    /** BEGIN and one write with a 300 ms deadline, and never an END. */
    private String batchWithoutEndPastItsDeadline() throws Exception {
        try (RawWorker raw = attach()) {
            long begin = raw.post(RequestDescriptor.OPCODE_BATCH_BEGIN, RequestDescriptor.FLAG_IN_BATCH, 0, 0, 0,
                    deadline(300), 8, 0);
            fill(raw.channel.buffer(0), firstPage, 3);
            long write = raw.post(RequestDescriptor.OPCODE_WRITE, RequestDescriptor.FLAG_IN_BATCH, firstPage, 1, 0,
                    deadline(300), 8, 0);
            RawWorker.Answer a = raw.await(begin, ANSWER);
            RawWorker.Answer b = raw.await(write, ANSWER);
            if (a == null || a.status() != 4 || b == null || b.status() != 4) {
                return "FAIL the open batch answered " + RawWorker.statusName(a) + "/" + RawWorker.statusName(b)
                        + " (TIMEOUT expected)";
            }
            RawWorker.Answer end = raw.await(raw.post(RequestDescriptor.OPCODE_BATCH_END,
                    RequestDescriptor.FLAG_IN_BATCH, 0, 0, 0, deadline(5000), 8, 0), ANSWER);
            if (end == null || end.status() != 2) {
                return "FAIL a late END answered " + RawWorker.statusName(end);
            }
            String after = roundTrip(raw, page(), 4);
            return after == null ? "PASS the batch timed out whole, a late END is INVALID" : "FAIL " + after;
        }
    }

    /** A write whose CRC-32C does not match its data must not land. */
    private String checksumMismatch() throws Exception {
        try (RawWorker raw = attach()) {
            long page = page();
            String first = roundTrip(raw, page, 10);
            if (first != null) {
                return "FAIL " + first;
            }
            fill(raw.channel.buffer(0), page, 11);
            int wrong = RawWorker.crc32c(raw.channel.buffer(0)) ^ 1;
            RawWorker.Answer bad = raw.await(raw.post(RequestDescriptor.OPCODE_WRITE, RequestDescriptor.FLAG_CHECKSUM,
                    page, 1, 0, deadline(5000), 0, wrong), ANSWER);
            if (bad == null || bad.status() != 2) {
                return "FAIL a mismatching checksum answered " + RawWorker.statusName(bad);
            }
            RawWorker.Answer read = raw.await(raw.read(page, 1, deadline(5000)), ANSWER);
            long stamp = raw.channel.buffer(1).get(JAVA_LONG, 8);
            if (read == null || read.status() != 1 || stamp != 10) {
                return "FAIL after the refused write page " + page + " holds stamp " + stamp;
            }
            return "PASS INVALID, and the page kept its content";
        }
    }

    private String checksumOnARead() throws Exception {
        try (RawWorker raw = attach()) {
            RawWorker.Answer answer = raw.await(raw.post(RequestDescriptor.OPCODE_READ,
                    RequestDescriptor.FLAG_CHECKSUM, page(), 1, 0, deadline(5000), 0, 0), ANSWER);
            return answer != null && answer.status() == 2 ? "PASS INVALID"
                    : "FAIL answered " + RawWorker.statusName(answer);
        }
    }

    /** Both rings' waiting flags held up by another thread: every publish of the manager must wake it. */
    private String waitingFlagsAlwaysRaised() throws Exception {
        try (RawWorker raw = attach()) {
            MemorySegment all = raw.whole();
            long completionWaiting = raw.completionRingOffset() + RingDescriptor.CONSUMER_WAITING_OFFSET;
            long requestWaiting = raw.requestRingOffset() + RingDescriptor.PRODUCER_WAITING_OFFSET;
            AtomicBoolean stop = new AtomicBoolean();
            Thread raiser = new Thread(() -> {
                while (!stop.get()) {
                    all.set(JAVA_LONG, completionWaiting, 1);
                    all.set(JAVA_LONG, requestWaiting, 1);
                }
            });
            raiser.start();
            try {
                for (int i = 0; i < 300; i++) {
                    String failure = roundTrip(raw, page(), 100 + i);
                    if (failure != null) {
                        return "FAIL " + failure;
                    }
                }
            } finally {
                stop.set(true);
                raiser.join();
            }
            return "PASS 300 round trips";
        }
    }

    /** The manager's lifeline entry in the channel header overwritten with garbage. */
    private String lifelineScribbled() throws Exception {
        try (RawWorker raw = attach()) {
            MemorySegment all = raw.whole();
            all.set(JAVA_LONG, ChannelDescriptor.LIFELINE_OFFSET, random.nextLong());
            all.set(JAVA_INT, ChannelDescriptor.LIFELINE_OFFSET + 8, random.nextInt());
            for (int i = 0; i < 50; i++) {
                String failure = roundTrip(raw, page(), 500 + i);
                if (failure != null) {
                    return "FAIL " + failure;
                }
            }
            return "PASS 50 round trips";
        }
    }

    /**
     * Holes punched in its own buffer slab (the seals allow it) while writes are in flight. Every write is answered,
     * and a fresh channel reads back what the store acknowledged: each write around the hole as its data or as the
     * zeros the hole left (16 bytes at a time, never anyone else's), the one after it whole. The worker's own read
     * after the hole may come back empty: the manager registered the slab with its io_uring ring, so the read lands in
     * the pages the registration pinned, which the hole took out of the memfd.
     */
    private String holesPunchedInItsOwnSlab() throws Exception {
        try (RawWorker raw = attach()) {
            long slab = raw.channel.slab().address() - raw.whole().address();
            int count = Math.min(16, raw.capacity);
            List<Long> ids = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                fill(raw.channel.buffer(i), firstPage + i, 20);
                ids.add(raw.write(firstPage + i, i, false, deadline(5000)));
            }
            int punched = LibcFiles.fallocate(raw.channelFd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, slab,
                    raw.channel.slab().byteSize());
            if (punched != 0) {
                return "FAIL the hole could not be punched (" + punched + "): the attack did not happen";
            }
            for (long id : ids) {
                RawWorker.Answer answer = raw.await(id, ANSWER);
                if (answer == null || answer.status() != 1) {
                    return "FAIL write " + id + " answered " + RawWorker.statusName(answer) + " after the hole";
                }
            }
            long page = firstPage + count + random.nextInt(4096 - count);
            String after = roundTrip(raw, page, 21);
            if (after != null && !(after.contains("read back") && ownOrEmpty(raw.channel.buffer(1), page, 21))) {
                return "FAIL " + after;
            }
            try (RawWorker fresh = attach()) {
                for (int i = 0; i <= count; i++) {
                    long p = i < count ? firstPage + i : page;
                    fresh.channel.buffer(1).fill((byte) 0x5a);
                    RawWorker.Answer read = fresh.await(fresh.read(p, 1, deadline(5000)), ANSWER);
                    MemorySegment back = fresh.channel.buffer(1);
                    boolean right = i < count ? ownOrEmpty(back, p, 20)
                            : back.mismatch(filled(back.byteSize(), p, 21)) == -1;
                    if (read == null || read.status() != 1 || !right) {
                        return "FAIL page " + p + " reads back " + RawWorker.statusName(read) + " "
                                + back.get(JAVA_LONG, 0) + "/" + back.get(JAVA_LONG, 8) + " through a fresh channel";
                    }
                }
            }
            return "PASS every write answered, the channel serves on, the store kept what it acknowledged";
        }
    }

    /** Whether every 16 bytes of {@code back} are {@code page, stamp} as {@link #fill} writes them, or zeros. */
    private static boolean ownOrEmpty(MemorySegment back, long page, long stamp) {
        for (long i = 0; i + 16 <= back.byteSize(); i += 16) {
            long first = back.get(JAVA_LONG, i);
            long second = back.get(JAVA_LONG, i + 8);
            if (!(first == page && second == stamp) && !(first == 0 && second == 0)) {
                return false;
            }
        }
        return true;
    }

    /** A page as {@link #fill} writes it. */
    private static MemorySegment filled(long bytes, long page, long stamp) {
        MemorySegment page0 = java.lang.foreign.Arena.ofAuto().allocate(bytes, 8);
        fill(page0, page, stamp);
        return page0;
    }

    /** A worker that posts a full ring of reads and never takes a completion, then leaves. */
    private String completionsNeverConsumed() throws Exception {
        RawWorker raw = attach();
        for (int i = 0; i < raw.capacity; i++) {
            raw.read(page(), i, deadline(60_000));
        }
        Thread.sleep(500);
        raw.close();
        return "PASS (judged by the others)";
    }

    /**
     * The completion ring's consumer sequence set far past what the manager published. The manager reads it only when
     * it needs room, so answers go on until then; at that point it must stop serving this channel, and only it.
     */
    private String completionSequenceCorrupted() throws Exception {
        try (RawWorker raw = attach()) {
            MemorySegment all = raw.whole();
            long at = raw.completionRingOffset() + RingDescriptor.CONSUMER_SEQUENCE_OFFSET;
            for (int i = 0; i < 4 * raw.capacity; i++) {
                // Before every request: this process's own release after each answer rewrites it. (A thread racing
                // the releases instead left it to the scheduler whether the manager ever saw the garbage.)
                all.set(JAVA_LONG, at, 1L << 40);
                long id = raw.write(page(), 0, false, deadline(1000));
                if (raw.await(id, Duration.ofSeconds(2)) == null) {
                    return toldItsSessionEnded(raw, "the channel stopped being served after " + i + " answers");
                }
            }
            return "FAIL " + 4 * raw.capacity + " answers through a ring whose consumer sequence is garbage";
        }
    }

    /** The request ring's producer sequence jumped by a million entries. */
    private String requestSequenceJumped() throws Exception {
        try (RawWorker raw = attach()) {
            MemorySegment all = raw.whole();
            long at = raw.requestRingOffset() + RingDescriptor.PRODUCER_SEQUENCE_OFFSET;
            all.set(JAVA_LONG, at, all.get(JAVA_LONG, at) + 1_000_000);
            return toldItsSessionEnded(raw, "the channel is no longer served");
        }
    }

    /**
     * A worker whose channel the manager stopped serving must hear of it at once (its session ended, with the
     * reason), not wait on every deadline while its attachment keeps counting toward the limits.
     */
    private static String toldItsSessionEnded(RawWorker raw, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!raw.control.isManagerGone()) {
            if (System.nanoTime() > deadline) {
                return "FAIL " + what + ", but the worker was not told its session ended";
            }
            Thread.sleep(10);
        }
        return "PASS " + what + ", and the worker was told its session ended";
    }

    /** Attaches from this one process until the manager refuses. */
    private String attachUntilRefused() throws Exception {
        List<RawWorker> held = new ArrayList<>();
        try {
            for (int i = 0; i < 1000; i++) {
                try {
                    held.add(attach());
                } catch (AttachRefusedException e) {
                    return e.code() == RefusalCode.TOO_MANY_WORKERS
                            ? "PASS refused after " + held.size() + " attachments: " + e.getMessage()
                            : "FAIL refused with " + e.code() + " after " + held.size();
                }
            }
            return "FAIL 1000 attachments from one process were all granted";
        } finally {
            for (RawWorker raw : held) {
                raw.close();
            }
        }
    }

    /**
     * Every write names the same slots: each would make the manager take another private copy of them. A slot belongs
     * to its request until the final answer, so the second and later ones are INVALID and copy nothing.
     */
    private String slotsNamedTwice() throws Exception {
        try (RawWorker raw = attach()) {
            int pages = Math.min(16, raw.capacity);
            for (int i = 0; i < pages; i++) {
                fill(raw.channel.buffer(i), firstPage + 3000 + i, 40);
            }
            // The first holds slots [0, pages) until answered; its deadline is long, its page range unique.
            long first = raw.post(RequestDescriptor.OPCODE_WRITE, (byte) 0, firstPage + 3000, pages, 0,
                    deadline(10_000), 0, 0);
            List<Long> again = new ArrayList<>();
            for (int i = 0; i < raw.capacity - 2; i++) {
                again.add(raw.post(RequestDescriptor.OPCODE_WRITE, (byte) 0, firstPage + 3100 + i, 1, i % pages,
                        deadline(10_000), 0, 0));
            }
            RawWorker.Answer answer = raw.await(first, ANSWER);
            if (answer == null || answer.status() != 1) {
                return "FAIL the first write answered " + RawWorker.statusName(answer);
            }
            int invalid = 0;
            for (long id : again) {
                RawWorker.Answer a = raw.await(id, ANSWER);
                if (a != null && a.status() == 2) {
                    invalid++;
                }
            }
            // Those read after the first write's answer may find its slots free again: most, not all, are refused.
            if (invalid == 0) {
                return "FAIL no write naming held slots was refused (" + again.size() + " posted)";
            }
            String after = roundTrip(raw, page(), 41);
            return after == null ? "PASS " + invalid + " of " + again.size() + " writes naming held slots were INVALID"
                    : "FAIL " + after;
        }
    }

    /** Posts writes and detaches at once, its writes in flight and their completions never taken. */
    private String leaveWithWritesInFlight() throws Exception {
        RawWorker raw = attach();
        for (int i = 0; i < Math.min(16, raw.capacity); i++) {
            fill(raw.channel.buffer(i), firstPage + 2048 + i, 30);
            raw.write(firstPage + 2048 + i, i, false, deadline(5000));
        }
        raw.close();
        try (RawWorker again = attach()) {
            String after = roundTrip(again, page(), 31);
            return after == null ? "PASS a new attachment serves" : "FAIL " + after;
        }
    }
}

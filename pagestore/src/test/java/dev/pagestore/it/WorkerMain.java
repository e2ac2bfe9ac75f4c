package dev.pagestore.it;

import dev.pagestore.client.ClientOptions;
import dev.pagestore.client.PageStoreClient;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;

/**
 * A worker process for the multi-process tests: {@code DIR load FIRST COUNT MILLIS SEED [FOREIGN]}. Writes its own
 * pages [FIRST, FIRST + COUNT) with (page, sequence) stamps, several in flight, reads each back after its
 * acknowledgement, and reads random pages of the whole store checking that each is zeros or stamped with its own page
 * number, except pages at or above FOREIGN (default: none), which another process writes with any content (the
 * garbage worker copies whatever its valid reads brought into its slots) and which are only read. Prints
 * {@code READY} after attaching and {@code DONE writes=W reads=R} at the end; a mismatch prints {@code FAIL ...} and
 * exits 1.
 */
public final class WorkerMain {
    public static void main(String[] args) throws Exception {
        Path directory = Path.of(args[0]);
        long first = Long.parseLong(args[2]);
        int count = Integer.parseInt(args[3]);
        long millis = Long.parseLong(args[4]);
        SplittableRandom random = new SplittableRandom(Long.parseLong(args[5]));
        long foreignFrom = args.length > 6 ? Long.parseLong(args[6]) : Long.MAX_VALUE;
        try (PageStoreClient client = PageStoreClient.attach(directory, ClientOptions.defaults()
                .withClientName("load-" + first))) {
            System.out.println("READY");
            System.out.flush();
            int pageSize = client.pageSizeBytes();
            long capacity = client.capacityPages();
            long[] sequence = new long[count];
            long writes = 0;
            long reads = 0;
            long end = System.nanoTime() + millis * 1_000_000;
            while (System.nanoTime() < end) {
                List<CompletableFuture<Void>> inFlight = new ArrayList<>();
                List<Integer> written = new ArrayList<>();
                for (int k = 0; k < 8; k++) {
                    int index = random.nextInt(count);
                    if (written.contains(index)) {
                        continue;
                    }
                    sequence[index]++;
                    inFlight.add(client.writeAsync(first + index, stamp(pageSize, first + index, sequence[index])));
                    written.add(index);
                }
                CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new)).get();
                writes += inFlight.size();
                for (int index : written) {
                    byte[] back = client.read(first + index);
                    reads++;
                    check(back, first + index, sequence[index], sequence[index]);
                }
                long any = random.nextLong(capacity);
                byte[] other = client.read(any);
                reads++;
                if (any < foreignFrom) {
                    check(other, any, 0, Long.MAX_VALUE);
                }
            }
            System.out.println("DONE writes=" + writes + " reads=" + reads);
            System.out.flush();
        }
    }

    static byte[] stamp(int pageSize, long page, long sequence) {
        byte[] data = new byte[pageSize];
        ByteBuffer b = ByteBuffer.wrap(data);
        for (int i = 0; i + 16 <= pageSize; i += 16) {
            b.putLong(i, page);
            b.putLong(i + 8, sequence);
        }
        return data;
    }

    /** Zeros (when {@code minSequence == 0}) or a whole stamp of {@code page} with sequence in [min, max]. */
    static void check(byte[] data, long page, long minSequence, long maxSequence) {
        ByteBuffer b = ByteBuffer.wrap(data);
        long seq = b.getLong(8);
        boolean zeros = b.getLong(0) == 0 && seq == 0;
        for (int i = 0; i + 16 <= data.length; i += 16) {
            boolean ok = zeros ? (b.getLong(i) == 0 && b.getLong(i + 8) == 0)
                    : (b.getLong(i) == page && b.getLong(i + 8) == seq);
            if (!ok) {
                fail("page " + page + " is torn or foreign at byte " + i + ": " + b.getLong(i) + "/"
                        + b.getLong(i + 8));
            }
        }
        if (zeros ? minSequence > 0 : (seq < minSequence || seq > maxSequence)) {
            fail("page " + page + " has sequence " + (zeros ? 0 : seq) + ", expected [" + minSequence + ", "
                    + maxSequence + "]");
        }
    }

    private static void fail(String message) {
        System.out.println("FAIL " + message);
        System.out.flush();
        System.exit(1);
    }
}

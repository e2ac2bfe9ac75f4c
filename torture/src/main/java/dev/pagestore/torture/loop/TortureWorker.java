package dev.pagestore.torture.loop;

import dev.pagestore.client.ClientOptions;
import dev.pagestore.client.PageStoreClient;
import dev.pagestore.client.PageStoreException;
import dev.pagestore.ipc.linux.ParentWatch;
import dev.pagestore.torture.HistoryFile;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A worker process of the process loops: {@code THREADS} writer threads share one client (re-attached in the
 * background whenever the manager is gone) and record every operation in {@code HISTORY} ({@link HistoryFile}).
 * It runs until a line {@code stop} (or the end) on stdin, then prints {@code done ACKNOWLEDGED UNKNOWN} and exits 0.
 *
 * <pre>TortureWorker DIR PROCESS THREADS SEED HISTORY PARENT_PID [FAILOVER_DIR,...]</pre>
 * With failover directories (a replicated store's standbys, present or to come), the client follows a failover.
 * Writer {@code t} of process {@code p} is writer {@code p * THREADS + t} ({@link PageWorkload}).
 */
public final class TortureWorker {
    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    private TortureWorker() {
    }

    public static void main(String[] args) throws Exception {
        Path directory = Path.of(args[0]);
        int process = Integer.parseInt(args[1]);
        int threads = Integer.parseInt(args[2]);
        long seed = Long.parseLong(args[3]);
        Path historyFile = Path.of(args[4]);
        ParentWatch.start(Long.parseLong(args[5]), () -> Runtime.getRuntime().halt(3));
        int pageSize = 4096;

        List<Path> failover = args.length > 6 ? java.util.Arrays.stream(args[6].split(",")).map(Path::of).toList()
                : List.of();
        PageStoreClient client = attach(directory, process, failover);
        AtomicBoolean stop = new AtomicBoolean();
        // Streamed as they happen: a long run's history need not fit in memory.
        BufferedWriter out = Files.newBufferedWriter(historyFile, StandardCharsets.UTF_8);
        out.write(HistoryFile.HEADER);
        out.newLine();
        List<Thread> writers = new ArrayList<>();
        List<PageWorkload> loads = new ArrayList<>();
        AtomicReference<Throwable> died = new AtomicReference<>();
        // Sequences start at a base of this worker's own, so that another store's values (a copied-in segment's)
        // are not values this store's writers wrote.
        long firstSequence = (seed >>> 34) & 0x3FFF_FFFFL;
        for (int t = 0; t < threads; t++) {
            PageWorkload load = new PageWorkload(process, process * threads + t, firstSequence, pageSize,
                    seed * 31 + t, TIMEOUT,
                    op -> {
                        synchronized (out) {
                            try {
                                out.write(HistoryFile.line(op));
                                out.newLine();
                            } catch (IOException e) {
                                throw new UncheckedIOException(e);
                            }
                        }
                    });
            loads.add(load);
            writers.add(Thread.ofPlatform().name("torture-writer-" + t).start(() -> {
                try {
                    while (!stop.get()) {
                        load.step(client);
                    }
                } catch (Throwable e) {
                    died.compareAndSet(null, e);
                }
            }));
        }
        System.out.println("running");
        System.out.flush();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null && !line.equals("stop")) {
                // only "stop" means anything
            }
        }
        stop.set(true);
        for (Thread t : writers) {
            t.join();
        }
        client.close();
        synchronized (out) {
            out.close();
        }
        long acknowledged = loads.stream().mapToLong(PageWorkload::acknowledged).sum();
        long unknown = loads.stream().mapToLong(PageWorkload::unknown).sum();
        Throwable death = died.get();
        System.out.println("done " + acknowledged + " " + unknown + (death == null ? ""
                : " error a writer died: " + death.toString().replace('\n', ' ')));
        System.out.flush();
        System.exit(0);
    }

    /** The first attach waits for the manager (it may be starting or recovering). */
    private static PageStoreClient attach(Path directory, int process, List<Path> failover)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (true) {
            try {
                return PageStoreClient.attach(directory, ClientOptions.defaults().withClientName("torture-" + process)
                        .withDefaultTimeout(TIMEOUT).withAutoReattach(true).withFailoverDirectories(failover));
            } catch (PageStoreException e) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("no manager to attach to in 60 s: " + e.getMessage(), e);
                }
                Thread.sleep(50);
            }
        }
    }
}

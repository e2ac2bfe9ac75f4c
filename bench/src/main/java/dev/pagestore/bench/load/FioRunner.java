package dev.pagestore.bench.load;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * fio on the same file system, as the device's ceiling (DESIGN.md §8): a file of the working set's size next to the
 * store, filled once with random bytes, {@code numjobs} = workers, {@code iodepth} = depth, {@code ioengine=io_uring},
 * {@code direct=1}, the page size as block size, {@code randread}, {@code randwrite} or {@code randrw} with the same
 * read percent, every write durable (the store acknowledges a write only once it is: {@code fdatasync=1} or
 * {@code sync=dsync}, {@link BenchSettings.FioSync}), the same Zipf exponent when skewed.
 *
 * <h2>Measured like the store</h2>
 * Latencies come from fio's own histograms ({@code --output-format=json+} gives every bucket of every job), merged
 * into one HdrHistogram and read out like the store's. CPU time is read from {@code /proc} of fio's processes (the
 * parent and every job process) over a window of the run's length, starting a warm-up after the job processes
 * appeared, the way the store's processes are measured. That window must end while the jobs still run (a process that
 * has exited has no {@code /proc} entry), so fio runs {@value #TAIL_MILLIS} ms longer than the window; its operation
 * rate covers its whole measured runtime. fio's own {@code usr_cpu} and {@code sys_cpu} are kept as a cross-check.
 */
final class FioRunner implements Runner {
    static final long TAIL_MILLIS = 1_000;
    private static final long JOBS_START_MILLIS = 60_000;
    private static final int FILL_CHUNK_BYTES = 1 << 20;

    private final BenchSettings settings;
    private final ScratchDirectory directory;
    private final Progress progress;
    private final Path file;

    FioRunner(BenchSettings settings, ScratchDirectory directory, Progress progress) {
        this.settings = settings;
        this.directory = directory;
        this.progress = progress;
        this.file = directory.entry("fio.data");
    }

    /**
     * Fails, saying what to install, when fio is not there.
     *
     * @throws IOException naming the fix
     */
    static void checkInstalled() throws IOException, InterruptedException {
        Process version;
        try {
            version = new ProcessBuilder("fio", "--version").redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IOException("--compare fio needs fio, which is not installed (or not on the PATH): install it"
                    + " (Debian, Ubuntu: apt-get install fio; Fedora, RHEL: dnf install fio)", e);
        }
        version.getInputStream().readAllBytes();
        if (version.waitFor() != 0) {
            throw new IOException("'fio --version' failed (exit code " + version.exitValue() + "): reinstall fio"
                    + " (apt-get install --reinstall fio)");
        }
    }

    @Override
    public String tool() {
        return "fio";
    }

    /** Fills the file with random bytes: a read of a hole or of unwritten extents would never reach the device. */
    @Override
    public void prepare() throws IOException {
        progress.phase(String.format(Locale.ROOT, "writing fio's file (%,d MiB of random bytes)",
                settings.workingSetBytes() >> 20));
        SplittableRandom random = new SplittableRandom(settings.seed());
        byte[] chunk = new byte[FILL_CHUNK_BYTES];
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (long written = 0; written < settings.workingSetBytes(); ) {
                random.nextBytes(chunk);
                int length = (int) Math.min(chunk.length, settings.workingSetBytes() - written);
                ByteBuffer buffer = ByteBuffer.wrap(chunk, 0, length);
                while (buffer.hasRemaining()) {
                    written += channel.write(buffer, written);
                }
            }
            channel.force(true);
        }
    }

    /** The fio command line of one run, writing its JSON to {@code output}. */
    List<String> command(Path output) {
        List<String> command = new ArrayList<>(List.of("fio", "--name=pagestore-bench", "--filename=" + file,
                "--size=" + settings.workingSetBytes(), "--ioengine=io_uring", "--direct=1",
                "--bs=" + settings.pageSizeBytes(), "--iodepth=" + settings.depth(),
                "--numjobs=" + settings.workers(), "--time_based",
                "--ramp_time=" + Math.round(settings.warmupSeconds() * 1000) + "ms",
                "--runtime=" + (Math.round(settings.durationSeconds() * 1000) + TAIL_MILLIS) + "ms",
                "--norandommap", "--randrepeat=0", "--lat_percentiles=1", "--output-format=json+",
                "--output=" + output));
        if (settings.readPercent() == 100) {
            command.add("--rw=randread");
        } else if (settings.readPercent() == 0) {
            command.add("--rw=randwrite");
        } else {
            command.add("--rw=randrw");
            command.add("--rwmixread=" + settings.readPercent());
        }
        if (settings.readPercent() < 100) {
            command.add(settings.effectiveFioSync() == BenchSettings.FioSync.DSYNC ? "--sync=dsync" : "--fdatasync=1");
        }
        if (settings.skew() == Skew.ZIPFIAN) {
            command.add("--random_distribution=zipf:" + settings.theta());
        }
        return command;
    }

    @Override
    public RunResult run(int run) throws IOException, InterruptedException {
        String label = "run " + run + "/" + settings.runs() + " fio";
        Path output = directory.logs().resolve("fio-run" + run + ".json");
        List<String> command = command(output);
        Files.writeString(directory.logs().resolve("fio-run" + run + ".command"), String.join(" ", command) + "\n");
        progress.phase(label + ": starting " + settings.workers() + " jobs");
        Child fio = Child.start("fio", command, directory.logs().resolve("fio-run" + run + ".log"));
        boolean done = false;
        try {
            List<Long> pids = awaitJobs(fio);
            long warmupNanos = (long) (settings.warmupSeconds() * 1e9);
            long durationNanos = (long) (settings.durationSeconds() * 1e9);
            long start = System.nanoTime();
            progress.phase(label + (warmupNanos > 0 ? ": warm-up" : ": measuring"));
            sleepWithProgress(start, warmupNanos, fio);
            long cpuAtStart = cpuNanos(pids);
            if (warmupNanos > 0) {
                progress.phase(label + ": measuring");
            }
            sleepWithProgress(System.nanoTime(), durationNanos, fio);
            long cpu = cpuNanos(pids) - cpuAtStart;
            progress.phase(label + ": finishing");
            int code = fio.awaitExit(TAIL_MILLIS + 120_000);
            if (code != 0) {
                throw new IOException("fio exited with code " + code + "; see " + fio.log() + fio.logTail());
            }
            RunResult result = result(run, Files.readString(output), cpu);
            done = true;
            return result;
        } finally {
            if (!done) {
                fio.stop(Child.STOP_WAIT_MILLIS);
            }
        }
    }

    /** fio's pid and its job processes' once all {@code numjobs} have started. */
    private List<Long> awaitJobs(Child fio) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(JOBS_START_MILLIS);
        while (System.nanoTime() < deadline) {
            fio.checkAlive();
            Set<Long> pids = new HashSet<>();
            pids.add(fio.pid());
            fio.handle().descendants().forEach(descendant -> pids.add(descendant.pid()));
            if (pids.size() > settings.workers()) {
                return List.copyOf(pids);
            }
            TimeUnit.MILLISECONDS.sleep(5);
        }
        throw new IOException("fio's " + settings.workers() + " job processes did not start within "
                + JOBS_START_MILLIS / 1000 + " s; see " + fio.log() + fio.logTail());
    }

    private void sleepWithProgress(long start, long nanos, Child fio) throws IOException, InterruptedException {
        long end = start + nanos;
        for (long now = System.nanoTime(); now < end; now = System.nanoTime()) {
            fio.checkAlive();
            progress.update((now - start) / 1e9, nanos / 1e9, -1);
            TimeUnit.NANOSECONDS.sleep(Math.min(end - now, TimeUnit.SECONDS.toNanos(1)));
        }
    }

    private static long cpuNanos(List<Long> pids) throws IOException {
        long sum = 0;
        for (long pid : pids) {
            sum += ProcFs.cpuNanos(pid);
        }
        return sum;
    }

    /** One run's figures from fio's {@code json+} output and the CPU time measured over the window. */
    RunResult result(int run, String json, long cpuNanos) {
        Map<?, ?> root = (Map<?, ?>) Json.parse(json.substring(json.indexOf('{')));
        Histogram reads = new Histogram(3);
        Histogram writes = new Histogram(3);
        Histogram syncs = new Histogram(3);
        Map<String, Long> errors = new TreeMap<>();
        double runtimeMillis = 0;
        double reportedCpuNanos = 0;
        for (Object each : (List<?>) root.get("jobs")) {
            Map<?, ?> job = (Map<?, ?>) each;
            int error = ((Number) job.get("error")).intValue();
            if (error != 0) {
                errors.merge("FIO_ERRNO_" + error, 1L, Long::sum);
            }
            double jobMillis = ((Number) job.get("job_runtime")).doubleValue();
            runtimeMillis = Math.max(runtimeMillis, jobMillis);
            reportedCpuNanos += (((Number) job.get("usr_cpu")).doubleValue()
                    + ((Number) job.get("sys_cpu")).doubleValue()) / 100 * jobMillis * 1e6;
            addBins(reads, (Map<?, ?>) job.get("read"), true);
            addBins(writes, (Map<?, ?>) job.get("write"), true);
            addBins(syncs, (Map<?, ?>) job.get("sync"), false);
        }
        Map<String, Histogram> extra = syncs.getTotalCount() > 0 ? Map.of("fdatasync", syncs) : Map.of();
        return new RunResult(tool(), run, runtimeMillis / 1000, reads, writes, extra, errors,
                settings.durationSeconds(), cpuNanos, -1, -1, -1, 0, 0, Math.round(reportedCpuNanos));
    }

    /**
     * Adds one direction's latency buckets ({@code lat_ns.bins}, or {@code clat_ns.bins} from a fio that keeps only
     * those: bucket value in nanoseconds to count). A direction without I/O has none; one with I/O but no buckets
     * fails when {@code required}.
     */
    private static void addBins(Histogram into, Map<?, ?> direction, boolean required) {
        if (direction == null) {
            return;
        }
        Map<?, ?> bins = null;
        for (String latency : new String[] {"lat_ns", "clat_ns"}) {
            Object section = direction.get(latency);
            if (section instanceof Map<?, ?> map && map.get("bins") instanceof Map<?, ?> found) {
                bins = found;
                break;
            }
        }
        if (bins == null) {
            Object ios = direction.get("total_ios");
            if (required && ios instanceof Number n && n.longValue() > 0) {
                throw new IllegalArgumentException("fio's output has no latency bins for " + n.longValue()
                        + " I/Os: a fio without --output-format=json+?");
            }
            return;
        }
        for (Map.Entry<?, ?> bin : bins.entrySet()) {
            long value = Math.max(1, Long.parseLong(String.valueOf(bin.getKey())));
            into.recordValueWithCount(value, ((Number) bin.getValue()).longValue());
        }
    }
}

package dev.pagestore.bench;

import dev.pagestore.wal.WalRecordDescriptor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The fio jobs WalBench measures its peers with, and reading fio's JSON output. */
final class Fio {
    private Fio() {
    }

    /** The peer: {@code fio --rw=write --bs=<page> --fdatasync=1} into a new file; writes per second. */
    static double fdatasyncWritesPerSecond(Path root, int pageSize, int seconds) throws IOException,
            InterruptedException {
        Path file = root.resolve("fio-fdatasync.dat");
        String json = run(List.of("fio", "--name=fdatasync", "--rw=write", "--bs=" + pageSize / 1024 + "k",
                "--fdatasync=1", "--size=256m", "--time_based=0", "--runtime=" + seconds,
                "--filename=" + file, "--output-format=json"));
        Files.deleteIfExists(file);
        return value(json, "write", "iops");
    }

    /** The bytes one commit of {@code appenders} single-page records writes: their aligned lengths, in whole blocks. */
    static long ceilingBlockBytes(int pageSize, int appenders) {
        long record = WalRecordDescriptor.alignedLength(WalRecordDescriptor.pageImagesLength(1, pageSize));
        return (appenders * record + 4095) & -4096L;
    }

    /**
     * The most any log can do on this disk with {@code appenders} appends in flight, each waiting for its own
     * durability: every commit carries all of them as one write of {@link #ceilingBlockBytes} into an already written
     * file (as into a recycled or zero-filled segment), then one fdatasync; no CPU spent on records, no wait between
     * commits. {@code engine} are fio options choosing how the writes and fdatasyncs are issued: none for fio's
     * default ({@code psync}: {@code pwrite} and {@code fdatasync} system calls, as {@code FileLogDirectory} issues
     * them), {@code --ioengine=io_uring} for the same operations through an io_uring (as {@code IoUringLogDirectory}).
     * Returns fio's writes per second times {@code appenders}: appends per second.
     */
    static double ceilingAppendsPerSecond(Path root, int pageSize, int appenders, int seconds, List<String> engine)
            throws IOException, InterruptedException {
        Path file = root.resolve("fio-ceiling.dat");
        List<String> command = new java.util.ArrayList<>(List.of("fio", "--name=ceiling", "--rw=write",
                "--bs=" + ceilingBlockBytes(pageSize, appenders) / 1024 + "k", "--fdatasync=1", "--overwrite=1",
                "--size=256m", "--time_based=1", "--runtime=" + seconds, "--filename=" + file, "--output-format=json"));
        command.addAll(engine);
        String json = run(command);
        Files.deleteIfExists(file);
        return value(json, "write", "iops") * appenders;
    }

    /** The disk's sequential write bandwidth: {@code fio --rw=write --bs=1M --direct=1 --size=512m}, in MiB/s. */
    static double sequentialWriteMiBPerSecond(Path root) throws IOException, InterruptedException {
        Path file = root.resolve("fio-seqwrite.dat");
        String json = run(List.of("fio", "--name=seqwrite", "--rw=write", "--bs=1M", "--direct=1", "--size=512m",
                "--filename=" + file, "--output-format=json"));
        Files.deleteIfExists(file);
        return value(json, "write", "bw_bytes") / (1 << 20);
    }

    /** Runs one fio command and returns its JSON output; a missing fio is named with what to do about it. */
    static String run(List<String> command) throws IOException, InterruptedException {
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(false).start();
        } catch (IOException e) {
            throw new IOException("cannot run fio (" + e.getMessage() + "): install it (apt-get install fio), or "
                    + "skip the peers with -Dpagestore.walbench.peers=false and the recovery part with recoveryMiB=0",
                    e);
        }
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.waitFor() != 0) {
            throw new IOException("fio failed: " + command + "\n" + err + out);
        }
        return out.substring(out.indexOf('{'));
    }

    /** The number after {@code "key" :} inside the {@code "section" : {} object of fio's JSON job output. */
    static double value(String json, String section, String key) {
        int at = json.indexOf("\"" + section + "\" : {");
        Matcher m = Pattern.compile("\"" + key + "\" : ([0-9.eE+-]+)").matcher(json);
        if (at < 0 || !m.find(at)) {
            throw new IllegalStateException("no " + section + "." + key + " in fio output");
        }
        return Double.parseDouble(m.group(1));
    }
}

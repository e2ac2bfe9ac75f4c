package dev.pagestore.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The log's JFR events, recorded and read back as JDK Mission Control would: commits, a checkpoint, a recovery. */
class WalJfrEventsTest {
    @TempDir
    Path root;

    @Test
    void shouldRecordCommitsACheckpointAndARecovery() throws IOException {
        WalConfig config = WalTestSupport.smallConfig(9);
        Path directory = Files.createDirectories(root.resolve("log"));
        UUID id = UUID.randomUUID();
        Path file = root.resolve("wal.jfr");
        try (Recording recording = new Recording()) {
            for (String name : List.of("pagestore.WalCommit", "pagestore.Checkpoint", "pagestore.Recovery")) {
                recording.enable(name).withoutThreshold();
            }
            recording.start();
            try (WriteAheadLog wal = open(directory, config, id); Arena arena = Arena.ofShared()) {
                for (long r = 0; r < 10; r++) {
                    wal.appendGroup(new long[] {r}, new MemorySegment[] {
                            WalTestSupport.page(arena, config.pageSizeBytes(), r, r)}).join();
                }
                wal.checkpoint(upTo -> { });
            }
            try (WriteAheadLog wal = open(directory, config, id)) {
                assertEquals(StopReason.END_OF_LOG, wal.recoveryReport().stopReason());
            }
            recording.stop();
            recording.dump(file);
        }
        List<RecordedEvent> events = RecordingFile.readAllEvents(file);
        List<RecordedEvent> commits = named(events, "pagestore.WalCommit");
        assertFalse(commits.isEmpty(), "commits recorded");
        assertEquals(10, commits.stream().mapToLong(e -> e.getLong("records")).sum(), "every record committed once");
        assertTrue(commits.stream().allMatch(e -> e.getLong("bytes") > 0 && e.getInt("datasyncs") >= 1));
        RecordedEvent checkpoint = named(events, "pagestore.Checkpoint").getFirst();
        assertTrue(checkpoint.getBoolean("succeeded"));
        assertEquals(commits.getLast().getLong("durableLsn"), checkpoint.getLong("redoLsn"),
                "the checkpoint's redo point is the last commit's durable LSN");
        List<RecordedEvent> recoveries = named(events, "pagestore.Recovery");
        assertEquals(2, recoveries.size(), "the new log's open and the reopen");
        RecordedEvent reopen = recoveries.getLast();
        assertEquals("END_OF_LOG", reopen.getString("stopReason"));
        assertEquals(checkpoint.getLong("redoLsn"), reopen.getLong("redoLsn"));
        assertTrue(reopen.getDuration().toNanos() > 0);
    }

    private static WriteAheadLog open(Path directory, WalConfig config, UUID id) throws IOException {
        return WriteAheadLog.open(LogDirectories.open(directory, LogDirectories.Kind.FILE), config, PageReplayer.NONE,
                WalOpenOptions.lenient().withLogId(id).withRefuseCorruption(true));
    }

    private static List<RecordedEvent> named(List<RecordedEvent> events, String name) {
        return events.stream().filter(e -> e.getEventType().getName().equals(name)).toList();
    }
}

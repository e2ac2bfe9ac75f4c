package dev.pagestore.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A segment of another log copied in beside this one has a valid header and valid records: only the log id in its
 * header tells recovery not to apply them (found by {@code pagestore torture --loops wal}, seed 41, which read the
 * other store's pages after such a copy).
 */
class ForeignSegmentTest {
    @TempDir
    Path root;

    private static void write(Path directory, UUID id, WalConfig config, long firstRecord) throws IOException {
        try (WriteAheadLog wal = WriteAheadLog.open(LogDirectories.open(directory, LogDirectories.Kind.FILE), config,
                PageReplayer.NONE, WalOpenOptions.lenient().withLogId(id).withRefuseCorruption(true));
                Arena arena = Arena.ofShared()) {
            for (long r = firstRecord; r < firstRecord + 20; r++) {
                wal.appendGroup(new long[] {r % 7}, new java.lang.foreign.MemorySegment[] {
                        WalTestSupport.page(arena, config.pageSizeBytes(), r, r % 7)}).join();
            }
        }
    }

    @Test
    void shouldRefuseToRecoverFromASegmentOfAnotherLog() throws IOException {
        WalConfig config = WalTestSupport.smallConfig(5);
        Path mine = Files.createDirectories(root.resolve("mine"));
        Path theirs = Files.createDirectories(root.resolve("theirs"));
        UUID myId = UUID.randomUUID();
        write(mine, myId, config, 0);
        write(theirs, UUID.randomUUID(), config, 1_000);
        String first = WalSegmentDescriptor.fileName(0);
        Files.copy(theirs.resolve(first), mine.resolve(first), StandardCopyOption.REPLACE_EXISTING);

        List<Long> applied = new ArrayList<>();
        WalCorruptionException refused = assertThrows(WalCorruptionException.class, () -> WriteAheadLog.open(
                LogDirectories.open(mine, LogDirectories.Kind.FILE), config, (page, image, lsn) -> applied.add(lsn),
                WalOpenOptions.lenient().withLogId(myId).withRefuseCorruption(true)));
        assertTrue(refused.getMessage().contains("belongs to log"), refused.getMessage());
        assertEquals(List.of(), applied, "nothing of the other log was applied");
    }

    @Test
    void shouldStillRecoverItsOwnSegments() throws IOException {
        WalConfig config = WalTestSupport.smallConfig(6);
        Path mine = Files.createDirectories(root.resolve("own"));
        UUID id = UUID.randomUUID();
        write(mine, id, config, 0);
        List<Long> applied = new ArrayList<>();
        try (WriteAheadLog wal = WriteAheadLog.open(LogDirectories.open(mine, LogDirectories.Kind.FILE), config,
                (page, image, lsn) -> applied.add(lsn), WalOpenOptions.lenient().withLogId(id)
                        .withRefuseCorruption(true))) {
            assertEquals(StopReason.END_OF_LOG, wal.recoveryReport().stopReason());
        }
        assertTrue(applied.size() >= 7, "its own records were applied: " + applied.size());
    }
}

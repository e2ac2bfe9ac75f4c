package dev.pagestore.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The segment size a log was made with, as the next open must use it: from the control file, or, when a creation
 * was cut short between its first segment and its control file, from that segment's header; a damaged header is not
 * believed.
 */
class RecordedSegmentSizeTest {
    @TempDir
    Path directory;

    @Test
    void shouldReadTheSizeFromTheControlFileOrTheFirstSegment() throws IOException {
        LogDirectory log = LogDirectories.open(directory, LogDirectories.Kind.FILE);
        assertEquals(Optional.empty(), WriteAheadLog.readSegmentSizeBytes(log), "a new log");
        WalConfig config = WalTestSupport.smallConfig(3);
        try (WriteAheadLog wal = WriteAheadLog.open(log, config, PageReplayer.NONE,
                WalOpenOptions.lenient().withLogId(UUID.randomUUID()))) {
            assertEquals(Optional.of(64L << 10), WriteAheadLog.readSegmentSizeBytes(log), "the control file's");
        }
        Files.delete(directory.resolve(ControlFileDescriptor.FILE_NAME));  // as a creation cut short leaves it
        assertEquals(Optional.of(64L << 10), WriteAheadLog.readSegmentSizeBytes(log), "the first segment's header");
        try (RandomAccessFile file = new RandomAccessFile(
                directory.resolve(WalSegmentDescriptor.fileName(0)).toFile(), "rw")) {
            file.seek(WalSegmentDescriptor.SEGMENT_SIZE_OFFSET);
            file.write(0x7F);
        }
        assertEquals(Optional.empty(), WriteAheadLog.readSegmentSizeBytes(log), "a damaged header says nothing");
    }
}

package dev.pagestore.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.lmax.disruptor.Sequence;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The writer's group commit, driven event by event without a ring: one write and one fdatasync at the end of each of
 * the Disruptor's batches, none in its middle, none either when the next append is already published (up to a
 * limit), and the after-batch tasks run once every callback of a batch is told.
 */
class WalWriterTest {
    @TempDir
    Path directory;

    private final WalConfig config = WalTestSupport.smallConfig(7);
    private final WalMetrics metrics = new WalMetrics();
    private final Arena arena = Arena.ofShared();
    private final List<Long> told = new ArrayList<>();
    /** The highest ring sequence the test says is published; -1: none beyond the current event. */
    private final AtomicLong publishedUpTo = new AtomicLong(-1);
    private WalWriter writer;

    @BeforeEach
    void startWriter() throws Exception {
        LogDirectory logDirectory = new FileLogDirectory(directory);
        SegmentFiles segments = new SegmentFiles(logDirectory, config, metrics, null);
        writer = new WalWriter(config, segments, metrics, new Sequence(), LogReplica.NONE);
        writer.resume(segments.prepare(0), WalSegmentDescriptor.HEADER_REGION_BYTES, 0);
        writer.publishedAhead(sequence -> sequence <= publishedUpTo.get());
        writer.onStart();
    }

    @AfterEach
    void stopWriter() {
        writer.onShutdown();
        arena.close();
    }

    @Test
    void theEndOfABatchCommitsIt() {
        writer.onEvent(event(10), 0, true);
        assertEquals(List.of((long) WalSegmentDescriptor.HEADER_REGION_BYTES), told);
        assertEquals(1, metrics.datasyncs());
    }

    @Test
    void anEventInTheMiddleOfABatchIsCommittedOnlyWithTheBatchInOneFdatasync() {
        writer.onEvent(event(10), 0, false);
        writer.onEvent(event(11), 1, false);
        assertEquals(0, metrics.datasyncs());
        writer.onEvent(event(12), 2, true);
        long first = WalSegmentDescriptor.HEADER_REGION_BYTES;
        long length = WalRecordDescriptor.alignedLength(WalRecordDescriptor.pageImagesLength(1, config.pageSizeBytes()));
        assertEquals(List.of(first, first + length, first + 2 * length), told, "told once each, in LSN order");
        assertEquals(1, metrics.datasyncs());
        assertEquals(1, metrics.batches());
    }

    @Test
    void aBatchThatEndsWhileTheNextAppendIsAlreadyPublishedIsCommittedTogetherWithIt() {
        publishedUpTo.set(1);
        writer.onEvent(event(10), 0, true);
        assertEquals(List.of(), told, "no callback before the commit that takes in sequence 1");
        assertEquals(0, metrics.datasyncs());

        writer.onEvent(event(11), 1, true);
        assertEquals(2, told.size(), "both appends told after one commit");
        assertEquals(1, metrics.datasyncs());
        assertEquals(1, metrics.batches());
    }

    @Test
    void aCommitTakesInAtMostAQuarterOfTheRingBeforeItSyncs() {
        publishedUpTo.set(Long.MAX_VALUE); // an endless stream: every batch end sees another append waiting
        int limit = config.ringSize() / 4;
        for (int sequence = 0; sequence < limit - 1; sequence++) {
            writer.onEvent(event(sequence), sequence, true);
        }
        assertEquals(0, metrics.datasyncs(), "still taking in");

        writer.onEvent(event(limit), limit - 1, true);
        assertEquals(limit, told.size(), "the commit came at " + limit + " records although more were waiting");
        assertEquals(1, metrics.datasyncs());
    }

    @Test
    void theAfterBatchTaskRunsOnceAtTheEndOfEachBatchWhenEveryCallbackOfItHasBeenTold() {
        List<Integer> toldWhenRun = new ArrayList<>();
        writer.afterBatch().add(() -> toldWhenRun.add(told.size()));
        writer.onEvent(event(10), 0, false);
        writer.onEvent(event(11), 1, false);
        assertEquals(List.of(), toldWhenRun, "not in the middle of a batch");
        writer.onEvent(event(12), 2, true);
        writer.onEvent(event(13), 3, true);
        assertEquals(List.of(3, 4), toldWhenRun);
    }

    @Test
    void aThrowingAfterBatchTaskIsLoggedAndNeitherStopsTheOthersNorTheLog() {
        List<String> ran = new ArrayList<>();
        writer.afterBatch().add(() -> {
            ran.add("first");
            throw new IllegalStateException("a broken listener");
        });
        Runnable second = () -> ran.add("second");
        writer.afterBatch().add(second);
        writer.onEvent(event(10), 0, true);
        assertEquals(List.of("first", "second"), ran);

        writer.afterBatch().remove(second);
        writer.onEvent(event(11), 1, true);
        assertEquals(List.of("first", "second", "first"), ran, "the removed task no longer runs");
        assertEquals(2, told.size(), "both appends durable");
        assertEquals(null, writer.failure());
    }

    private AppendEvent event(long pageNumber) {
        MemorySegment image = arena.allocate(config.pageSizeBytes(), 4096);
        WalTestSupport.fill(image, pageNumber, pageNumber);
        AppendEvent event = new AppendEvent(config.maxPagesPerGroup());
        event.set(new long[] {pageNumber}, new MemorySegment[] {image}, 1, false, new AppendCallback() {
            @Override
            public void onDurable(long lsn) {
                told.add(lsn);
            }

            @Override
            public void onFailed(Throwable failure) {
                throw new AssertionError("append failed", failure);
            }
        });
        return event;
    }
}

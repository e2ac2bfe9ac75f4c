package dev.pagestore.wal;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * What the power-loss tests' model of the data file holds for one page: the image of record {@code recordId}, logged
 * at {@code lsn}, flushed there by a checkpoint or applied by recovery.
 */
record FlushedPage(long lsn, long recordId) {

    /**
     * Every page of an acknowledged record holds that record's image or a newer one, and the image it holds is of a
     * record that named the page.
     */
    static void checkAtLeastAsNewAsAcknowledged(String where, Map<Long, long[]> submitted,
                                                Map<Long, Long> acknowledged, Map<Long, FlushedPage> dataFile) {
        Map<Long, Long> newestAcknowledged = new HashMap<>();
        for (Map.Entry<Long, Long> ack : acknowledged.entrySet()) {
            for (long page : submitted.get(ack.getKey())) {
                newestAcknowledged.merge(page, ack.getValue(), Math::max);
            }
        }
        for (Map.Entry<Long, Long> newest : newestAcknowledged.entrySet()) {
            FlushedPage state = dataFile.get(newest.getKey());
            assertNotNull(state, where + "page " + newest.getKey() + " acknowledged at lsn " + newest.getValue()
                    + " but absent after recovery");
            assertTrue(state.lsn() >= newest.getValue(), where + "page " + newest.getKey() + " recovered from lsn "
                    + state.lsn() + ", older than its acknowledged write at lsn " + newest.getValue());
            assertTrue(Arrays.stream(submitted.get(state.recordId())).anyMatch(p -> p == newest.getKey()),
                    where + "page " + newest.getKey() + " holds an image of record " + state.recordId());
        }
    }
}

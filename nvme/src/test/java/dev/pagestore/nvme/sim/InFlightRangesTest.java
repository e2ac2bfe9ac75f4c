package dev.pagestore.nvme.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class InFlightRangesTest {
    private final InFlightRanges ranges = new InFlightRanges();

    @Test
    void shouldCountAReadOverlappingAWriteInFlightButNotTwoReads() {
        Object write = new Object();
        ranges.begin(new Object(), false, 0, 4);
        ranges.begin(new Object(), false, 2, 4);
        assertEquals(0, ranges.overlaps(), "reads may overlap reads");
        ranges.begin(write, true, 3, 1);
        assertEquals(1, ranges.overlaps(), "a write over blocks being read");
        ranges.begin(new Object(), false, 3, 1);
        assertEquals(2, ranges.overlaps(), "a read over a block being written");
    }

    @Test
    void shouldNotCountDisjointRangesOrCommandsThatEnded() {
        Object write = new Object();
        ranges.begin(write, true, 0, 4);
        ranges.begin(new Object(), true, 4, 4);
        assertEquals(0, ranges.overlaps(), "adjacent ranges do not overlap");
        ranges.end(write);
        ranges.begin(new Object(), false, 0, 4);
        assertEquals(0, ranges.overlaps(), "the write had completed");
    }
}

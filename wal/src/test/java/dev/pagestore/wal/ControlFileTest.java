package dev.pagestore.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ControlFileTest {
    private static final long SEGMENT = 64 << 10;

    /** The simulated controller as the control file's disk. */
    private static SimulatedLogDirectory simulated(long seed) {
        return new SimulatedLogDirectory(SimulatedLogDirectory.Settings.of(seed, SEGMENT));
    }

    @Test
    void shouldAlternateSlotsAndReadTheHighestSequence() throws IOException {
        try (SimulatedLogDirectory directory = simulated(1)) {
            try (ControlFile control = ControlFile.openOrCreate(directory, SEGMENT, 4096)) {
                assertEquals(1, control.current().sequence());
                control.write(10_000);
                control.write(20_000);
            }
            try (ControlFile control = ControlFile.openOrCreate(directory, SEGMENT, 4096)) {
                assertEquals(3, control.current().sequence());
                assertEquals(20_000, control.current().redoLsn());
            }
        }
    }

    @Test
    void shouldFallBackToTheOtherSlotWhenOneIsCorrupt() throws IOException {
        try (SimulatedLogDirectory directory = simulated(2)) {
            try (ControlFile control = ControlFile.openOrCreate(directory, SEGMENT, 4096)) {
                control.write(10_000); // sequence 2, slot 0
                control.write(20_000); // sequence 3, slot 1
            }
            directory.file(ControlFileDescriptor.FILE_NAME)
                    .flipBit(ControlFileDescriptor.SLOT_STRIDE_BYTES + ControlFileDescriptor.REDO_LSN_OFFSET, 3);
            try (ControlFile control = ControlFile.openOrCreate(directory, SEGMENT, 4096)) {
                assertEquals(2, control.current().sequence());
                assertEquals(10_000, control.current().redoLsn());
            }
        }
    }

    @Test
    void shouldSurviveATornSlotWriteAtEveryByte() throws IOException {
        for (int cut = 0; cut <= ControlFileDescriptor.SLOT_LENGTH; cut++) {
            try (SimulatedLogDirectory directory = simulated(3)) {
                try (ControlFile control = ControlFile.openOrCreate(directory, SEGMENT, 4096)) {
                    control.write(10_000); // sequence 2 in slot 0
                }
                // sequence 3 goes to slot 1; only its first 'cut' bytes reach the media
                try (LogDevice device = directory.open(ControlFileDescriptor.FILE_NAME, false);
                     Arena arena = Arena.ofConfined()) {
                    MemorySegment slot = arena.allocate(ControlFileDescriptor.SLOT_STRIDE_BYTES);
                    ControlFileDescriptor.write(slot, 1, new ControlFileDescriptor.State(3, 20_000, SEGMENT));
                    if (cut > 0) {
                        device.write(ControlFileDescriptor.SLOT_STRIDE_BYTES, slot.asSlice(0, cut));
                    }
                }
                try (ControlFile control = ControlFile.openOrCreate(directory, SEGMENT, 4096)) {
                    // the last 4 bytes are zero padding, already zero on the media
                    long expected = cut >= ControlFileDescriptor.CRC_OFFSET + 4 ? 20_000 : 10_000;
                    assertEquals(expected, control.current().redoLsn(), "torn at byte " + cut);
                }
            }
        }
    }

    @Test
    void shouldKeepThePreviousRedoPointWhenPowerFailsDuringASlotWrite() throws IOException {
        SplittableRandom seeds = new SplittableRandom(4);
        Set<Long> redoPoints = new HashSet<>();
        for (int trial = 0; trial < 50; trial++) {
            long seed = seeds.nextLong();
            // the cut leaves the unflushed slot write on the media or not, from the seed
            SimulatedLogDirectory directory = new SimulatedLogDirectory(
                    SimulatedLogDirectory.Settings.of(seed, SEGMENT).withRandomWriteBack(true));
            try {
                try (ControlFile control = ControlFile.openOrCreate(directory, SEGMENT, 4096)) {
                    control.write(10_000);
                    directory.file(ControlFileDescriptor.FILE_NAME).failNextFlushes(1);
                    assertThrows(IOException.class, () -> control.write(20_000));
                    directory.powerFail();
                }
                try (ControlFile control = ControlFile.openOrCreate(directory.reopen(), SEGMENT, 4096)) {
                    long redo = control.current().redoLsn();
                    assertTrue(redo == 10_000 || redo == 20_000, "seed " + seed + ": redo " + redo);
                    redoPoints.add(redo);
                }
            } finally {
                directory.close();
            }
        }
        assertEquals(Set.of(10_000L, 20_000L), redoPoints, "50 power cuts keep the unflushed slot, and lose it");
    }

    @Test
    void shouldRefuseAControlFileWithNoValidSlot() throws IOException {
        try (SimulatedLogDirectory directory = simulated(5)) {
            try (ControlFile control = ControlFile.openOrCreate(directory, SEGMENT, 4096)) {
                control.write(10_000);
            }
            SimulatedFile file = directory.file(ControlFileDescriptor.FILE_NAME);
            file.flipBit(ControlFileDescriptor.SEQUENCE_OFFSET, 0);
            file.flipBit(ControlFileDescriptor.SLOT_STRIDE_BYTES + ControlFileDescriptor.SEQUENCE_OFFSET, 0);
            IOException e = assertThrows(IOException.class, () -> ControlFile.openOrCreate(directory, SEGMENT, 4096));
            assertTrue(e.getMessage().contains("no valid slot"), e.getMessage());
        }
    }

    @Test
    void shouldRecordTheLogIdAndRefuseTheLogOfAnotherOwner() throws IOException {
        try (SimulatedLogDirectory directory = simulated(6)) {
            java.util.UUID owner = java.util.UUID.randomUUID();
            try (ControlFile control = ControlFile.openOrCreate(directory, SEGMENT, 4096, owner)) {
                control.write(10_000);
            }
            assertEquals(java.util.Optional.of(owner), ControlFile.readLogId(directory));
            try (ControlFile control = ControlFile.openOrCreate(directory, SEGMENT, 4096, owner)) {
                assertEquals(owner, control.current().logId());
            }
            java.util.UUID stranger = java.util.UUID.randomUUID();
            LogIdMismatchException refused = assertThrows(LogIdMismatchException.class,
                    () -> ControlFile.openOrCreate(directory, SEGMENT, 4096, stranger));
            assertEquals(owner, refused.found());
            assertTrue(refused.getMessage().contains(owner.toString())
                    && refused.getMessage().contains(stranger.toString()), refused.getMessage());
        }
    }

    @Test
    void shouldReadAVersionOneSlotAsHavingNoIdAndGiveItTheIdAtTheNextWrite() throws IOException {
        try (SimulatedLogDirectory directory = simulated(7)) {
            // the layout before log ids: magic, version 1, slot index, sequence, redo, segment size, CRC-32C at 40
            try (LogDevice device = directory.open(ControlFileDescriptor.FILE_NAME, true);
                    Arena arena = Arena.ofConfined()) {
                MemorySegment image = arena.allocate(ControlFileDescriptor.FILE_LENGTH, 512);
                java.nio.ByteBuffer slot = image.asSlice(0, 48).asByteBuffer().order(java.nio.ByteOrder.LITTLE_ENDIAN);
                slot.putLong(0, ControlFileDescriptor.MAGIC).putInt(8, 1).putInt(12, 0).putLong(16, 2)
                        .putLong(24, 12_288).putLong(32, SEGMENT);
                java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
                crc.update(image.asSlice(0, 40).asByteBuffer());
                slot.putInt(40, (int) crc.getValue());
                device.write(0, image);
            }
            assertEquals(java.util.Optional.empty(), ControlFile.readLogId(directory), "a version 1 slot has no id");
            java.util.UUID owner = java.util.UUID.randomUUID();
            try (ControlFile control = ControlFile.openOrCreate(directory, SEGMENT, 4096, owner)) {
                assertEquals(12_288, control.current().redoLsn(), "the old redo point is read");
                control.write(20_000);
            }
            assertEquals(java.util.Optional.of(owner), ControlFile.readLogId(directory),
                    "the next write records the id");
            assertThrows(LogIdMismatchException.class,
                    () -> ControlFile.openOrCreate(directory, SEGMENT, 4096, java.util.UUID.randomUUID()));
        }
    }
}

package dev.pagestore.ipc.channel;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.ipc.channel.ChannelFormatException.Reason;
import dev.pagestore.ipc.ring.CompletionDescriptor;
import dev.pagestore.ipc.ring.RequestDescriptor;
import dev.pagestore.ipc.ring.RingConsumer;
import dev.pagestore.ipc.ring.RingDescriptor;
import dev.pagestore.ipc.ring.RingProducer;
import dev.pagestore.ipc.wait.WaitStrategy;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ChannelTest {
    private static final ChannelParameters PARAMETERS = new ChannelParameters(4096, 64, 128, 32);
    private final String name = TestChannels.uniqueName("channel");

    @AfterEach
    void removeFile() throws IOException {
        TestChannels.remove(name);
    }

    private static Channel create(String name, ChannelParameters parameters) throws IOException {
        return Channel.create(TestChannels.SHM, name, parameters, WaitStrategy.blocking());
    }

    private static Channel attach(String name, ChannelParameters expected) throws IOException {
        return Channel.attach(TestChannels.SHM, name, expected, WaitStrategy.blocking());
    }

    @Test
    void shouldLoadDescriptorWithEveryLayoutAssertionHolding() throws Exception {
        Class.forName(ChannelDescriptor.class.getName(), true, getClass().getClassLoader());
        assertEquals(256, ChannelDescriptor.STATE_OFFSET);
        assertEquals(128, ChannelDescriptor.ATTACHER_PID_OFFSET);
    }

    @Test
    void shouldCreateOwnerOnlyFileLaidOutAsTheDescriptorSays() throws IOException {
        try (Channel manager = create(name, PARAMETERS)) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(manager.path())));
            ChannelDescriptor.Layout layout = ChannelDescriptor.layoutOf(PARAMETERS);
            assertEquals(layout.totalSizeBytes(), Files.size(manager.path()));
            assertEquals(4096, layout.requestRingOffset());
            assertEquals(0, layout.completionRingOffset() % 4096);
            assertTrue(layout.completionRingOffset() >= 4096 + RingDescriptor.requiredBytes(64, 64));
            assertEquals(0, layout.slabOffset() % 4096);
            assertEquals("CREATED", manager.state());
            assertEquals(ProcessHandle.current().pid(), manager.creator().orElseThrow().pid());
            assertTrue(manager.creator().orElseThrow().isAlive(), "start time recorded matches /proc");
            assertTrue(manager.attacher().isEmpty());
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {4096, 8192, 16384})
    void shouldAlignEveryBufferForDirectIo(int pageSize) throws IOException {
        ChannelParameters parameters = new ChannelParameters(pageSize, 8, 8, 5);
        try (Channel manager = create(name, parameters); Channel worker = attach(name, parameters)) {
            assertEquals(0, ChannelDescriptor.layoutOf(parameters).slabOffset() % pageSize, "file offset");
            for (Channel channel : new Channel[] {manager, worker}) {
                // A mapping is only 4096-aligned in memory, which is what O_DIRECT asks of a buffer address.
                assertEquals(0, channel.slab().address() % 4096, "slab at 0x"
                        + Long.toHexString(channel.slab().address()));
                for (int slot = 0; slot < 5; slot++) {
                    assertEquals(pageSize, channel.buffer(slot).byteSize());
                    assertEquals(0, channel.buffer(slot).address() % 4096);
                    assertEquals((long) slot * pageSize, channel.buffer(slot).address() - channel.slab().address());
                }
                assertThrows(IndexOutOfBoundsException.class, () -> channel.buffer(5));
            }
            worker.buffer(4).fill((byte) 7);
            assertEquals(7, manager.buffer(4).get(java.lang.foreign.ValueLayout.JAVA_BYTE, pageSize - 1),
                    "both sides map the same buffer");
        }
    }

    @Test
    void shouldCarryRequestsAndCompletionsBetweenTheTwoSides() throws IOException {
        try (Channel manager = create(name, PARAMETERS); Channel worker = attach(name, PARAMETERS)) {
            assertEquals("ATTACHED", manager.state());
            assertEquals(ProcessHandle.current().pid(), manager.attacher().orElseThrow().pid());

            RingProducer requests = worker.requestProducer();
            assertEquals(1, requests.tryClaim(1));
            RequestDescriptor.write(requests.segment(), requests.entryOffset(0), RequestDescriptor.OPCODE_READ,
                    (byte) 0, 77, 5, 1, 3, 0, 0, 0);
            requests.publish(1);

            RingConsumer incoming = manager.requestConsumer();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            assertEquals(1, incoming.awaitAvailable(8, deadline));
            long offset = incoming.entryOffset(0);
            assertEquals(RequestDescriptor.Violation.VALID,
                    RequestDescriptor.validate(incoming.segment(), offset, PARAMETERS.slotCount(), 1, 100));
            assertEquals(77, RequestDescriptor.requestId(incoming.segment(), offset));
            incoming.release(1);

            RingProducer completions = manager.completionProducer();
            completions.claim(1, deadline);
            CompletionDescriptor.write(completions.segment(), completions.entryOffset(0), 77,
                    CompletionDescriptor.STATUS_OK, 3, 4096);
            completions.publish(1);
            RingConsumer results = worker.completionConsumer();
            assertEquals(1, results.awaitAvailable(1, deadline));
            assertEquals(77, CompletionDescriptor.requestId(results.segment(), results.entryOffset(0)));
            assertEquals(4096, CompletionDescriptor.result(results.segment(), results.entryOffset(0)));
        }
    }

    @Test
    void shouldGiveEachSideOnlyItsOwnRingEnds() throws IOException {
        try (Channel manager = create(name, PARAMETERS); Channel worker = attach(name, PARAMETERS)) {
            var e = assertThrows(IllegalStateException.class, manager::requestProducer);
            assertTrue(e.getMessage().contains("belongs to the WORKER side"), e.getMessage());
            assertThrows(IllegalStateException.class, manager::completionConsumer);
            assertThrows(IllegalStateException.class, worker::requestConsumer);
            assertThrows(IllegalStateException.class, worker::completionProducer);
        }
    }

    @Test
    void shouldRefuseASecondAttachNamingTheFirstAttacher() throws IOException {
        try (Channel manager = create(name, PARAMETERS); Channel worker = attach(name, PARAMETERS)) {
            var e = assertThrows(ChannelFormatException.class, () -> attach(name, PARAMETERS));
            assertEquals(Reason.WRONG_STATE, e.reason());
            assertTrue(e.getMessage().contains("expected state CREATED (open for attach), found ATTACHED (attached by pid "
                    + ProcessHandle.current().pid()), e.getMessage());
        }
    }

    @Test
    void shouldMarkDetachedWhenTheWorkerCloses() throws IOException {
        try (Channel manager = create(name, PARAMETERS)) {
            attach(name, PARAMETERS).close();
            assertEquals("DETACHED", manager.state());
        }
        assertTrue(Files.notExists(TestChannels.SHM.resolve(name)), "manager close unlinks");
    }

    @Test
    void shouldRefuseBadMagicAsNotAChannel() throws IOException {
        try (Channel manager = create(name, PARAMETERS)) {
            manager.segment().set(JAVA_LONG, ChannelDescriptor.MAGIC_OFFSET, 0x1234L);
            var e = assertThrows(ChannelFormatException.class, () -> attach(name, PARAMETERS));
            assertEquals(Reason.NOT_A_CHANNEL, e.reason());
            assertTrue(e.getMessage().contains("expected magic 0x4e414843534750 (\"PGSCHAN\"), found 0x1234"),
                    e.getMessage());
        }
    }

    @Test
    void shouldRefuseAnotherLayoutVersion() throws IOException {
        try (Channel manager = create(name, PARAMETERS)) {
            manager.segment().set(JAVA_INT, ChannelDescriptor.LAYOUT_VERSION_OFFSET, 7);
            var e = assertThrows(ChannelFormatException.class, () -> attach(name, PARAMETERS));
            assertEquals(Reason.VERSION_MISMATCH, e.reason());
            assertTrue(e.getMessage().contains("expected layout version " + ChannelDescriptor.LAYOUT_VERSION + ", found 7"), e.getMessage());
        }
    }

    @Test
    void shouldRefuseAPageSizeOtherThanExpected() throws IOException {
        try (Channel manager = create(name, PARAMETERS)) {
            var e = assertThrows(ChannelFormatException.class,
                    () -> attach(name, new ChannelParameters(8192, 64, 128, 32)));
            assertEquals(Reason.PARAMETER_MISMATCH, e.reason());
            assertTrue(e.getMessage().contains("expected ChannelParameters[pageSizeBytes=8192")
                    && e.getMessage().contains("found ChannelParameters[pageSizeBytes=4096"), e.getMessage());
            assertEquals("CREATED", manager.state(), "a refused attach leaves the channel open for the right worker");
        }
    }

    @Test
    void shouldRefuseAnIllegalPageSizeInTheHeader() throws IOException {
        try (Channel manager = create(name, PARAMETERS)) {
            manager.segment().set(JAVA_INT, ChannelDescriptor.PAGE_SIZE_OFFSET, 3000);
            var e = assertThrows(ChannelFormatException.class, () -> attach(name, null));
            assertEquals(Reason.CORRUPT, e.reason());
            assertTrue(e.getMessage().contains("pageSizeBytes=3000 must be 4096, 8192 or 16384"), e.getMessage());
        }
    }

    @Test
    void shouldRefuseAFileTruncatedAfterTheHeader() throws IOException {
        try (Channel manager = create(name, PARAMETERS)) {
            long full = Files.size(manager.path());
            truncate(name, full - 4096);
            var e = assertThrows(ChannelFormatException.class, () -> attach(name, PARAMETERS));
            assertEquals(Reason.TRUNCATED, e.reason());
            assertTrue(e.getMessage().contains("expected " + full + " bytes") && e.getMessage().contains(
                    "found " + (full - 4096)), e.getMessage());
        }
    }

    @Test
    void shouldRefuseAFileShorterThanAHeader() throws IOException {
        Files.write(TestChannels.SHM.resolve(name), new byte[100]);
        var e = assertThrows(ChannelFormatException.class, () -> attach(name, PARAMETERS));
        assertEquals(Reason.TRUNCATED, e.reason());
        assertTrue(e.getMessage().contains("expected at least a 4096-byte header, found a file of 100 bytes"),
                e.getMessage());
    }

    @Test
    void shouldRefuseAnEmptyFile() throws IOException {
        Files.write(TestChannels.SHM.resolve(name), new byte[0]);
        var e = assertThrows(ChannelFormatException.class, () -> attach(name, PARAMETERS));
        assertEquals(Reason.TRUNCATED, e.reason());
        assertTrue(e.getMessage().contains("found an empty file"), e.getMessage());
    }

    @Test
    void shouldRefuseAFileThatIsNotAChannel() throws IOException {
        byte[] text = "#!/bin/sh\necho hello\n".repeat(400).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        Files.write(TestChannels.SHM.resolve(name), text);
        var e = assertThrows(ChannelFormatException.class, () -> attach(name, null));
        assertEquals(Reason.NOT_A_CHANNEL, e.reason());
        assertTrue(e.getMessage().contains("is not a pagestore channel"), e.getMessage());
    }

    @Test
    void shouldRefuseAHeaderWhoseOffsetsDisagreeWithItsParameters() throws IOException {
        try (Channel manager = create(name, PARAMETERS)) {
            manager.segment().set(JAVA_LONG, ChannelDescriptor.SLAB_OFFSET_OFFSET, 4096);
            var e = assertThrows(ChannelFormatException.class, () -> attach(name, PARAMETERS));
            assertEquals(Reason.CORRUPT, e.reason());
            assertTrue(e.getMessage().contains("expected slabOffset=" + ChannelDescriptor.layoutOf(PARAMETERS)
                    .slabOffset() + ", found 4096"), e.getMessage());
        }
    }

    @Test
    void shouldRefuseACorruptRingHeader() throws IOException {
        try (Channel manager = create(name, PARAMETERS)) {
            MemorySegment segment = manager.segment();
            long ring = ChannelDescriptor.layoutOf(PARAMETERS).completionRingOffset();
            segment.set(JAVA_INT, ring + RingDescriptor.CAPACITY_OFFSET, 4);
            var e = assertThrows(ChannelFormatException.class, () -> attach(name, PARAMETERS));
            assertEquals(Reason.CORRUPT, e.reason());
            assertTrue(e.getMessage().contains("expected capacity=128 entrySizeBytes=32, found capacity=4"),
                    e.getMessage());
        }
    }

    @Test
    void shouldRefuseAChannelStillBeingCreated() throws IOException {
        try (Channel manager = create(name, PARAMETERS)) {
            manager.segment().set(JAVA_INT, ChannelDescriptor.STATE_OFFSET, ChannelDescriptor.STATE_INITIALISING);
            var e = assertThrows(ChannelFormatException.class, () -> attach(name, PARAMETERS));
            assertEquals(Reason.WRONG_STATE, e.reason());
            assertTrue(e.getMessage().contains("found INITIALISING"), e.getMessage());
        }
    }

    @Test
    void shouldRefuseToCreateOverAnExistingName() throws IOException {
        try (Channel manager = create(name, PARAMETERS)) {
            assertThrows(java.nio.file.FileAlreadyExistsException.class, () -> create(name, PARAMETERS));
            assertEquals("CREATED", manager.state());
        }
    }

    @Test
    void shouldRejectIllegalParametersNamingTheValue() {
        var e = assertThrows(IllegalArgumentException.class, () -> new ChannelParameters(4096, 48, 64, 8));
        assertTrue(e.getMessage().contains("requestRingCapacity=48"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ChannelParameters(2048, 64, 64, 8));
        assertThrows(IllegalArgumentException.class, () -> new ChannelParameters(4096, 64, 64, 0));
    }

    private static void truncate(String name, long size) throws IOException {
        try (RandomAccessFile file = new RandomAccessFile(TestChannels.SHM.resolve(name).toFile(), "rw")) {
            file.setLength(size);
        }
    }
}

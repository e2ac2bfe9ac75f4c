package dev.pagestore.ipc.control;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.ipc.linux.ProcessIdentity;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class ControlCodecTest {
    private static final ProcessIdentity WORKER = new ProcessIdentity(4242, 1_700_000_000_123L);
    private static final ProcessIdentity MANAGER = new ProcessIdentity(77, ProcessIdentity.UNKNOWN_START_TIME);
    private static final int V = ControlMessageDescriptor.VERSION;

    @Test
    void shouldRoundTripEveryMessageType() throws Exception {
        List<ControlMessage> messages = List.of(
                new AttachRequest(WORKER, 8192, 256, "worker-1 ü"),
                new AttachRequest(WORKER, 3000, 7, "x".repeat(ControlMessageDescriptor.CLIENT_NAME_BYTES_MAX)),
                new AttachRequest(WORKER, AttachRequest.MANAGER_CHOOSES, AttachRequest.MANAGER_CHOOSES, "any"),
                new AttachedReply(Long.MAX_VALUE, MANAGER, 16384, 65536),
                new AttachedReply(1, WORKER, 4096, 2),
                new ObserveRequest("pagestore stat"),
                new ObservedReply(MANAGER),
                new Refusal(RefusalCode.TOO_MANY_WORKERS, "too many ✓"),
                new Refusal(RefusalCode.BAD_VERSION, ""),
                new Refusal(RefusalCode.UNIDENTIFIED_PEER, "pid 0"),
                new Refusal(RefusalCode.SESSION_ENDED, "the channel is no longer served"),
                new DetachRequest(),
                new DetachedReply());
        for (ControlMessage message : messages) {
            ByteBuffer frame = ControlCodec.encode(message);
            assertEquals(message, ControlCodec.decode(frame), "round trip of " + message);
            assertEquals(0, frame.remaining(), "decode consumes the frame of " + message);
        }
    }

    @Test
    void shouldLayOutTheHeaderAsTheDescriptorDraws() {
        ByteBuffer frame = ControlCodec.encode(new AttachRequest(WORKER, 4096, 64, "ab"));
        byte[] magic = new byte[4];
        frame.get(0, magic);
        assertArrayEquals("PGCT".getBytes(StandardCharsets.US_ASCII), magic);
        assertEquals(ControlMessageDescriptor.VERSION, frame.order(ByteOrder.BIG_ENDIAN).getShort(4));
        assertEquals(MessageType.ATTACH.code(), frame.getShort(6));
        assertEquals(ControlMessageDescriptor.ATTACH_FIXED_LENGTH + 2, frame.getInt(8));
        assertEquals(frame.limit(), ControlMessageDescriptor.HEADER_LENGTH + frame.getInt(8));
        int body = ControlMessageDescriptor.HEADER_LENGTH;
        assertEquals(4242, frame.getLong(body + ControlMessageDescriptor.ATTACH_WORKER_PID_OFFSET));
        assertEquals(1_700_000_000_123L, frame.getLong(body + ControlMessageDescriptor.ATTACH_WORKER_START_OFFSET));
        assertEquals(4096, frame.getInt(body + ControlMessageDescriptor.ATTACH_PAGE_SIZE_OFFSET));
        assertEquals(64, frame.getInt(body + ControlMessageDescriptor.ATTACH_RING_CAPACITY_OFFSET));
        assertEquals(2, frame.getShort(body + ControlMessageDescriptor.ATTACH_CLIENT_NAME_OFFSET));
    }

    // ------------------------------------------------------------------------------------------- header problems

    @Test
    void shouldRejectBadMagic() {
        assertProblem(ProtocolProblem.BAD_MAGIC, ControlCodec.frame(0x47455420, 1, 1, ByteBuffer.allocate(0)));
    }

    @Test
    void shouldRejectUnsupportedVersion() {
        assertProblem(ProtocolProblem.BAD_VERSION, frame(1, MessageType.DETACH.code(), new byte[0]));
        assertProblem(ProtocolProblem.BAD_VERSION, frame(2, MessageType.DETACH.code(), new byte[0]));
        assertProblem(ProtocolProblem.BAD_VERSION, frame(3, MessageType.DETACH.code(), new byte[0]));
        assertProblem(ProtocolProblem.BAD_VERSION, frame(5, MessageType.DETACH.code(), new byte[0]));
        assertProblem(ProtocolProblem.BAD_VERSION, frame(0, MessageType.DETACH.code(), new byte[0]));
    }

    @Test
    void shouldRejectUnknownType() {
        assertProblem(ProtocolProblem.UNKNOWN_TYPE, frame(V, 0, new byte[0]));
        assertProblem(ProtocolProblem.UNKNOWN_TYPE, frame(V, 99, new byte[0]));
        assertProblem(ProtocolProblem.UNKNOWN_TYPE, frame(V, 0xFFFF, new byte[0]));
    }

    @Test
    void shouldRejectOversizedOrNegativeLengthBeforeReadingTheBody() {
        for (int length : new int[] {ControlMessageDescriptor.BODY_LENGTH_MAX + 1, Integer.MAX_VALUE, -1}) {
            ByteBuffer header = ControlCodec.frame(ControlMessageDescriptor.MAGIC, V, MessageType.ATTACH.code(),
                    ByteBuffer.allocate(0));
            header.putInt(ControlMessageDescriptor.BODY_LENGTH_OFFSET, length);
            assertProblem(ProtocolProblem.OVERSIZED_LENGTH, header);
        }
    }

    @Test
    void shouldRejectTruncatedHeaderAndBody() {
        ByteBuffer whole = ControlCodec.encode(new AttachRequest(WORKER, 4096, 64, "abc"));
        for (int cut = 0; cut < whole.limit(); cut++) {
            assertProblem(ProtocolProblem.TRUNCATED, whole.duplicate().limit(cut));
        }
    }

    @Test
    void shouldRejectBytesAfterTheFrameOrAfterTheLastField() {
        ByteBuffer whole = ControlCodec.encode(new DetachRequest());
        ByteBuffer longer = ByteBuffer.allocate(whole.limit() + 1).put(whole).put((byte) 0).flip();
        assertProblem(ProtocolProblem.TRAILING_BYTES, longer);
        assertProblem(ProtocolProblem.TRAILING_BYTES, frame(V, MessageType.DETACH.code(), new byte[1]));
        assertProblem(ProtocolProblem.TRAILING_BYTES, frame(V, MessageType.DETACHED.code(), new byte[3]));
        assertProblem(ProtocolProblem.TRAILING_BYTES, attach(body -> body.put((byte) 0)));
    }

    // -------------------------------------------------------------------------------------------- field problems

    @Test
    void shouldRejectAttachWithImpossiblePidOrStartTime() {
        assertProblem(ProtocolProblem.BAD_FIELD, attach(b -> b.putLong(0, 0)));
        assertProblem(ProtocolProblem.BAD_FIELD, attach(b -> b.putLong(0, -5)));
        assertProblem(ProtocolProblem.BAD_FIELD, attach(b -> b.putLong(0, ControlMessageDescriptor.PID_MAX + 1)));
        assertProblem(ProtocolProblem.BAD_FIELD, attach(b -> b.putLong(8, -2)));
    }

    @Test
    void shouldRejectAttachWithBadClientName() {
        assertProblem(ProtocolProblem.BAD_FIELD, attachNamed(new byte[0]));
        byte[] tooLong = "n".repeat(ControlMessageDescriptor.CLIENT_NAME_BYTES_MAX + 1)
                .getBytes(StandardCharsets.UTF_8);
        assertProblem(ProtocolProblem.BAD_FIELD, attachNamed(tooLong));
        assertProblem(ProtocolProblem.BAD_FIELD, attachNamed(new byte[] {'a', (byte) 0xC3}));  // cut UTF-8 sequence
        assertProblem(ProtocolProblem.BAD_FIELD, attachNamed(new byte[] {'a', (byte) 0xFF, 'b'}));
        assertProblem(ProtocolProblem.BAD_FIELD, attachNamed(new byte[] {'a', '\n', 'b'}));
        // A name length that points past the body is truncation, not a bad value.
        assertProblem(ProtocolProblem.TRUNCATED,
                attach(b -> b.putShort(ControlMessageDescriptor.ATTACH_CLIENT_NAME_OFFSET, (short) 40)));
    }

    @Test
    void shouldDecodeAnyPageSizeAndCapacityInAttachForTheManagerToJudge() throws Exception {
        ControlMessage decoded = ControlCodec.decode(attach(b -> b.putInt(16, 3000).putInt(20, -1)));
        AttachRequest request = (AttachRequest) decoded;
        assertEquals(3000, request.pageSizeBytes());
        assertEquals(-1, request.ringCapacity());
    }

    @Test
    void shouldRejectAttachedWithBadFields() {
        AttachedReply good = new AttachedReply(9, MANAGER, 4096, 64);
        int base = ControlMessageDescriptor.HEADER_LENGTH;
        assertProblem(ProtocolProblem.BAD_FIELD, corrupt(good, f -> f.putLong(base, 0)));
        assertProblem(ProtocolProblem.BAD_FIELD, corrupt(good, f -> f.putLong(base + 8, 0)));
        assertProblem(ProtocolProblem.BAD_FIELD, corrupt(good, f -> f.putLong(base + 16, -9)));
        assertProblem(ProtocolProblem.BAD_FIELD, corrupt(good, f -> f.putInt(base + 24, 3000)));
        assertProblem(ProtocolProblem.BAD_FIELD, corrupt(good, f -> f.putInt(base + 28, 48)));
        assertProblem(ProtocolProblem.BAD_FIELD, corrupt(good, f -> f.putInt(base + 28, 0)));
        assertEquals(32, ControlCodec.encode(good).getInt(ControlMessageDescriptor.BODY_LENGTH_OFFSET),
                "ATTACHED has no name any more: the channel travels as a descriptor");
        ObservedReply observed = new ObservedReply(MANAGER);
        assertProblem(ProtocolProblem.BAD_FIELD, corrupt(observed, f -> f.putLong(base, -1)));
        assertProblem(ProtocolProblem.BAD_FIELD, corrupt(new ObserveRequest("tool"), f -> f.put(base + 2, (byte) 7)));
    }

    @Test
    void shouldRejectRefusalWithUnknownCodeOrLongMessage() {
        assertProblem(ProtocolProblem.BAD_FIELD, corrupt(new Refusal(RefusalCode.INTERNAL_ERROR, "x"),
                f -> f.putShort(ControlMessageDescriptor.HEADER_LENGTH, (short) 999)));
        byte[] body = new byte[4 + 1025];
        ByteBuffer.wrap(body).putShort((short) RefusalCode.INTERNAL_ERROR.code()).putShort((short) 1025);
        assertProblem(ProtocolProblem.BAD_FIELD, frame(V, MessageType.REFUSED.code(), body));
    }

    @Test
    void shouldCutLongRefusalMessagesToFitTheFrame() throws Exception {
        Refusal refusal = Refusal.truncating(RefusalCode.PROTOCOL_ERROR, "é".repeat(2000));
        assertTrue(refusal.message().getBytes(StandardCharsets.UTF_8).length
                <= ControlMessageDescriptor.REFUSAL_MESSAGE_BYTES_MAX, refusal.message());
        assertTrue(refusal.message().endsWith("..."));
        assertEquals(refusal, ControlCodec.decode(ControlCodec.encode(refusal)));
        assertThrows(IllegalArgumentException.class, () -> new Refusal(RefusalCode.PROTOCOL_ERROR, "x".repeat(1025)));
    }

    @Test
    void shouldRejectInvalidValuesAtTheApiBoundary() {
        assertThrows(IllegalArgumentException.class, () -> new ProcessIdentity(0, 0));
        assertThrows(IllegalArgumentException.class, () -> new ProcessIdentity(1, -3));
        assertThrows(IllegalArgumentException.class, () -> new AttachRequest(WORKER, 4096, 64, ""));
        assertThrows(IllegalArgumentException.class, () -> new AttachGrant(4096, 64, -1, 3));
        assertThrows(IllegalArgumentException.class, () -> new AttachGrant(4097, 64, 3, 4));
        assertThrows(IllegalArgumentException.class, () -> new AttachGrant(4096, 1 << 17, 3, 4));
        assertThrows(IllegalArgumentException.class, () -> new AttachedReply(0, MANAGER, 4096, 2));
        assertThrows(IllegalArgumentException.class, () -> new AttachedReply(1, MANAGER, 0, 2));
        assertThrows(IllegalArgumentException.class, () -> new ObserveGrant(-1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new AttachGrant(3000, 64, 3, 4));
        assertTrue(e.getMessage().contains("pageSizeBytes=3000"), e.getMessage());
    }

    // ------------------------------------------------------------------------------------------------- helpers

    private static ByteBuffer frame(int version, int typeCode, byte[] body) {
        return ControlCodec.frame(ControlMessageDescriptor.MAGIC, version, typeCode, ByteBuffer.wrap(body));
    }

    /** A valid ATTACH body (name "abc") edited by {@code edit}, framed with its actual length. */
    private static ByteBuffer attach(Consumer<ByteBuffer> edit) {
        ByteBuffer body = ByteBuffer.allocate(256).order(ByteOrder.BIG_ENDIAN);
        body.putLong(WORKER.pid()).putLong(WORKER.startTimeTicks()).putInt(4096).putInt(64)
                .putShort((short) 3).put("abc".getBytes(StandardCharsets.US_ASCII));
        edit.accept(body);
        body.flip();
        return ControlCodec.frame(ControlMessageDescriptor.MAGIC, V, MessageType.ATTACH.code(), body);
    }

    private static ByteBuffer attachNamed(byte[] name) {
        ByteBuffer body = ByteBuffer.allocate(512).order(ByteOrder.BIG_ENDIAN);
        body.putLong(WORKER.pid()).putLong(WORKER.startTimeTicks()).putInt(4096).putInt(64)
                .putShort((short) name.length).put(name);
        body.flip();
        return ControlCodec.frame(ControlMessageDescriptor.MAGIC, V, MessageType.ATTACH.code(), body);
    }

    private static ByteBuffer corrupt(ControlMessage message, Consumer<ByteBuffer> edit) {
        ByteBuffer frame = ControlCodec.encode(message);
        edit.accept(frame);
        return frame;
    }

    private static void assertProblem(ProtocolProblem expected, ByteBuffer frame) {
        ControlProtocolException e = assertThrows(ControlProtocolException.class, () -> ControlCodec.decode(frame),
                () -> "expected " + expected);
        assertEquals(expected, e.problem(), e.getMessage());
        assertTrue(e.getMessage().startsWith(expected.name() + ": "), e.getMessage());
    }
}

package dev.pagestore.ipc.control;

import static dev.pagestore.ipc.control.ControlMessageDescriptor.BODY_LENGTH_MAX;
import static dev.pagestore.ipc.control.ControlMessageDescriptor.BODY_LENGTH_OFFSET;
import static dev.pagestore.ipc.control.ControlMessageDescriptor.BYTE_ORDER;
import static dev.pagestore.ipc.control.ControlMessageDescriptor.HEADER_LENGTH;
import static dev.pagestore.ipc.control.ControlMessageDescriptor.MAGIC;
import static dev.pagestore.ipc.control.ControlMessageDescriptor.MAGIC_OFFSET;
import static dev.pagestore.ipc.control.ControlMessageDescriptor.TYPE_OFFSET;
import static dev.pagestore.ipc.control.ControlMessageDescriptor.VERSION;
import static dev.pagestore.ipc.control.ControlMessageDescriptor.VERSION_OFFSET;

import dev.pagestore.ipc.linux.ProcessIdentity;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Encodes and decodes control frames exactly as {@link ControlMessageDescriptor} draws them, and checks every field
 * it reads. Decoding never trusts a length before checking it against its bound, so a hostile peer can make a
 * receiver allocate at most {@link ControlMessageDescriptor#FRAME_LENGTH_MAX} bytes.
 *
 * <p>Stateless; safe from any thread.
 */
public final class ControlCodec {
    private ControlCodec() {
    }

    /** A checked frame header: what follows and how long it is. */
    public record Header(MessageType type, int bodyLength) {
    }

    // ----------------------------------------------------------------------------------------------------- encode

    /** The whole frame for {@code message}, flipped and ready to write. */
    public static ByteBuffer encode(ControlMessage message) {
        ByteBuffer body = ByteBuffer.allocate(BODY_LENGTH_MAX).order(BYTE_ORDER);
        switch (message) {
            case AttachRequest attach -> {
                body.putLong(attach.claimedWorker().pid());
                body.putLong(attach.claimedWorker().startTimeTicks());
                body.putInt(attach.pageSizeBytes());
                body.putInt(attach.ringCapacity());
                putString(body, attach.clientName());
                assert body.position() == ControlMessageDescriptor.ATTACH_FIXED_LENGTH
                        + utf8Length(attach.clientName());
            }
            case AttachedReply attached -> {
                body.putLong(attached.attachId());
                body.putLong(attached.manager().pid());
                body.putLong(attached.manager().startTimeTicks());
                body.putInt(attached.pageSizeBytes());
                body.putInt(attached.ringCapacity());
                assert body.position() == ControlMessageDescriptor.ATTACHED_LENGTH;
            }
            case ObserveRequest observe -> {
                putString(body, observe.clientName());
                assert body.position() == ControlMessageDescriptor.OBSERVE_FIXED_LENGTH
                        + utf8Length(observe.clientName());
            }
            case ObservedReply observed -> {
                body.putLong(observed.manager().pid());
                body.putLong(observed.manager().startTimeTicks());
                assert body.position() == ControlMessageDescriptor.OBSERVED_LENGTH;
            }
            case Refusal refusal -> {
                body.putShort((short) refusal.code().code());
                putString(body, refusal.message());
            }
            case DetachRequest ignored -> {
                // empty body
            }
            case DetachedReply ignored -> {
                // empty body
            }
        }
        body.flip();
        return frame(MAGIC, VERSION, message.type().code(), body);
    }

    /** A frame with arbitrary header values around {@code body}: for tests that build malformed input. */
    static ByteBuffer frame(int magic, int version, int typeCode, ByteBuffer body) {
        ByteBuffer frame = ByteBuffer.allocate(HEADER_LENGTH + body.remaining()).order(BYTE_ORDER);
        frame.putInt(MAGIC_OFFSET, magic);
        frame.putShort(VERSION_OFFSET, (short) version);
        frame.putShort(TYPE_OFFSET, (short) typeCode);
        frame.putInt(BODY_LENGTH_OFFSET, body.remaining());
        frame.position(HEADER_LENGTH);
        frame.put(body);
        frame.flip();
        return frame;
    }

    private static void putString(ByteBuffer body, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        assert bytes.length <= 0xFFFF : "string of " + bytes.length + " bytes does not fit its u16 length";
        body.putShort((short) bytes.length);
        body.put(bytes);
    }

    private static int utf8Length(String text) {
        return text.getBytes(StandardCharsets.UTF_8).length;
    }

    // ----------------------------------------------------------------------------------------------------- decode

    /**
     * Checks the {@link ControlMessageDescriptor#HEADER_LENGTH} bytes at {@code buffer}'s position (absolute reads;
     * the position does not move) in the order the descriptor gives: magic, version, type, body length.
     */
    public static Header decodeHeader(ByteBuffer buffer) throws ControlProtocolException {
        if (buffer.remaining() < HEADER_LENGTH) {
            throw new ControlProtocolException(ProtocolProblem.TRUNCATED,
                    "header needs " + HEADER_LENGTH + " bytes, only " + buffer.remaining() + " arrived");
        }
        ByteBuffer in = buffer.duplicate().order(BYTE_ORDER);
        int base = in.position();
        int magic = in.getInt(base + MAGIC_OFFSET);
        if (magic != MAGIC) {
            throw new ControlProtocolException(ProtocolProblem.BAD_MAGIC, String.format(
                    "magic 0x%08x is not 0x%08x ('PGCT'): the peer is not a pagestore control endpoint", magic, MAGIC));
        }
        int version = Short.toUnsignedInt(in.getShort(base + VERSION_OFFSET));
        if (version != VERSION) {
            throw new ControlProtocolException(ProtocolProblem.BAD_VERSION,
                    "protocol version " + version + " is not supported; this side speaks version " + VERSION);
        }
        int typeCode = Short.toUnsignedInt(in.getShort(base + TYPE_OFFSET));
        MessageType type = MessageType.ofCode(typeCode);
        if (type == null) {
            throw new ControlProtocolException(ProtocolProblem.UNKNOWN_TYPE,
                    "message type " + typeCode + " is unknown in version " + VERSION);
        }
        int bodyLength = in.getInt(base + BODY_LENGTH_OFFSET);
        if (bodyLength < 0 || bodyLength > BODY_LENGTH_MAX) {
            throw new ControlProtocolException(ProtocolProblem.OVERSIZED_LENGTH, "body length "
                    + Integer.toUnsignedString(bodyLength) + " of " + type + " exceeds the maximum " + BODY_LENGTH_MAX);
        }
        return new Header(type, bodyLength);
    }

    /**
     * Decodes the body of {@code type} from all the remaining bytes of {@code body}, which must hold exactly its
     * fields; every field is checked. Consumes the buffer.
     */
    public static ControlMessage decodeBody(MessageType type, ByteBuffer body) throws ControlProtocolException {
        ByteBuffer in = body.slice().order(BYTE_ORDER);
        body.position(body.limit());
        ControlMessage message = switch (type) {
            case ATTACH -> {
                need(in, ControlMessageDescriptor.ATTACH_FIXED_LENGTH, type);
                long pid = in.getLong();
                long start = in.getLong();
                int pageSize = in.getInt();
                int ringCapacity = in.getInt();
                String name = getString(in, type, "clientName", ControlMessageDescriptor.CLIENT_NAME_BYTES_MAX);
                check(ControlMessageDescriptor.checkPid("claimedPid", pid));
                check(ControlMessageDescriptor.checkStartTime("claimedStartTimeTicks", start));
                check(ControlMessageDescriptor.checkClientName(name));
                yield new AttachRequest(new ProcessIdentity(pid, start), pageSize, ringCapacity, name);
            }
            case ATTACHED -> {
                need(in, ControlMessageDescriptor.ATTACHED_LENGTH, type);
                long attachId = in.getLong();
                long pid = in.getLong();
                long start = in.getLong();
                int pageSize = in.getInt();
                int ringCapacity = in.getInt();
                check(attachId > 0 ? null : "attachId=" + attachId + " must be positive");
                check(ControlMessageDescriptor.checkPid("managerPid", pid));
                check(ControlMessageDescriptor.checkStartTime("managerStartTimeTicks", start));
                check(ControlMessageDescriptor.checkPageSize(pageSize));
                check(ControlMessageDescriptor.checkRingCapacity(ringCapacity));
                yield new AttachedReply(attachId, new ProcessIdentity(pid, start), pageSize, ringCapacity);
            }
            case OBSERVE -> {
                need(in, ControlMessageDescriptor.OBSERVE_FIXED_LENGTH, type);
                String name = getString(in, type, "clientName", ControlMessageDescriptor.CLIENT_NAME_BYTES_MAX);
                check(ControlMessageDescriptor.checkClientName(name));
                yield new ObserveRequest(name);
            }
            case OBSERVED -> {
                need(in, ControlMessageDescriptor.OBSERVED_LENGTH, type);
                long pid = in.getLong();
                long start = in.getLong();
                check(ControlMessageDescriptor.checkPid("managerPid", pid));
                check(ControlMessageDescriptor.checkStartTime("managerStartTimeTicks", start));
                yield new ObservedReply(new ProcessIdentity(pid, start));
            }
            case REFUSED -> {
                need(in, ControlMessageDescriptor.REFUSED_FIXED_LENGTH, type);
                int codeValue = Short.toUnsignedInt(in.getShort());
                String text = getString(in, type, "message", ControlMessageDescriptor.REFUSAL_MESSAGE_BYTES_MAX);
                RefusalCode code = RefusalCode.ofCode(codeValue);
                check(code != null ? null : "refusal code " + codeValue + " is unknown in version " + VERSION);
                yield new Refusal(code, text);
            }
            case DETACH -> new DetachRequest();
            case DETACHED -> new DetachedReply();
        };
        if (in.hasRemaining()) {
            throw new ControlProtocolException(ProtocolProblem.TRAILING_BYTES,
                    type + " body has " + in.remaining() + " bytes after its last field");
        }
        return message;
    }

    /**
     * Decodes one whole frame: {@code frame}'s remaining bytes must be exactly one header and its body.
     */
    public static ControlMessage decode(ByteBuffer frame) throws ControlProtocolException {
        Header header = decodeHeader(frame);
        int available = frame.remaining() - HEADER_LENGTH;
        if (available < header.bodyLength()) {
            throw new ControlProtocolException(ProtocolProblem.TRUNCATED, header.type() + " body of "
                    + header.bodyLength() + " bytes: only " + available + " arrived");
        }
        if (available > header.bodyLength()) {
            throw new ControlProtocolException(ProtocolProblem.TRAILING_BYTES, header.type() + " frame has "
                    + (available - header.bodyLength()) + " bytes after its " + header.bodyLength() + "-byte body");
        }
        ByteBuffer body = frame.duplicate();
        body.position(frame.position() + HEADER_LENGTH);
        frame.position(frame.limit());
        return decodeBody(header.type(), body);
    }

    private static void need(ByteBuffer in, int bytes, MessageType type) throws ControlProtocolException {
        if (in.remaining() < bytes) {
            throw new ControlProtocolException(ProtocolProblem.TRUNCATED,
                    type + " body needs at least " + bytes + " bytes, has " + in.remaining());
        }
    }

    private static void check(String problem) throws ControlProtocolException {
        if (problem != null) {
            throw new ControlProtocolException(ProtocolProblem.BAD_FIELD, problem);
        }
    }

    private static String getString(ByteBuffer in, MessageType type, String field, int maxBytes)
            throws ControlProtocolException {
        int length = Short.toUnsignedInt(in.getShort());
        if (length > maxBytes) {
            throw new ControlProtocolException(ProtocolProblem.BAD_FIELD,
                    type + " " + field + " length " + length + " exceeds " + maxBytes + " bytes");
        }
        if (in.remaining() < length) {
            throw new ControlProtocolException(ProtocolProblem.TRUNCATED,
                    type + " " + field + " of " + length + " bytes: only " + in.remaining() + " left in the body");
        }
        ByteBuffer bytes = in.slice(in.position(), length);
        in.position(in.position() + length);
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(bytes)
                    .toString();
        } catch (CharacterCodingException e) {
            throw new ControlProtocolException(ProtocolProblem.BAD_FIELD,
                    type + " " + field + " is not valid UTF-8 (" + e + ")");
        }
    }
}

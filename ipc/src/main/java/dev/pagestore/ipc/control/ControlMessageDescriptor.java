package dev.pagestore.ipc.control;

import dev.pagestore.ipc.linux.ProcessIdentity;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The bytes of a control message on the manager's Unix domain socket. Every message is one frame: a fixed 12-byte
 * header and a body of at most {@link #BODY_LENGTH_MAX} bytes. All integers are big-endian (network order); strings
 * are an unsigned 16-bit byte length followed by that many UTF-8 bytes (no terminator).
 *
 * <pre>
 * header (every frame)
 *  0        4         6        8              12
 *  +--------+---------+--------+---------------+
 *  | magic  | version | type   | bodyLength    |   magic 'PGCT' 0x50474354, version 4,
 *  | u32    | u16     | u16    | s32           |   type = MessageType code, 0 <= bodyLength <= 4096
 *  +--------+---------+--------+---------------+
 *
 * ATTACH body (worker → manager)
 *  0              8                16          20            24        26
 *  +--------------+----------------+-----------+-------------+---------+-----------------+
 *  | claimedPid   | claimedStart   | pageSize  | ringCapacity| nameLen | clientName      |
 *  | s64          | s64 ticks      | s32 bytes | s32 entries | u16     | UTF-8, 1..64 B  |
 *  +--------------+----------------+-----------+-------------+---------+-----------------+
 *  claimedPid and claimedStart are what the worker says of itself, for diagnostics only: the manager takes the
 *  worker's identity from the kernel (SO_PEERCRED, /proc/PID/stat). pageSize 0 and ringCapacity 0 ask for the
 *  store's page size and the manager's ring capacity.
 *
 * ATTACHED body (manager → worker), sent with 2 descriptors (SCM_RIGHTS): the channel memfd, then the status memfd
 *  0           8             16              24          28            32
 *  +-----------+-------------+---------------+-----------+-------------+
 *  | attachId  | managerPid  | managerStart  | pageSize  | ringCapacity|
 *  | s64 > 0   | s64         | s64 ticks     | s32 bytes | s32 entries |
 *  +-----------+-------------+---------------+-----------+-------------+
 *
 * OBSERVE body (a tool → manager): read-only access to the status region, no channel
 *  0         2
 *  +---------+-----------------+
 *  | nameLen | clientName      |
 *  | u16     | UTF-8, 1..64 B  |
 *  +---------+-----------------+
 *
 * OBSERVED body (manager → tool), sent with 1 descriptor: the status memfd
 *  0             8               16
 *  +-------------+---------------+
 *  | managerPid  | managerStart  |
 *  | s64         | s64 ticks     |
 *  +-------------+---------------+
 *
 * REFUSED body (manager → worker: in answer to ATTACH or OBSERVE, to a bad frame, at accept to a peer it cannot
 * name, or to an attached worker whose session the manager ends)
 *  0        2            4
 *  +--------+------------+-------------------+
 *  | code   | messageLen | message           |   code = RefusalCode
 *  | u16    | u16        | UTF-8, 0..1024 B  |
 *  +--------+------------+-------------------+
 *
 * DETACH, DETACHED: empty body (bodyLength 0)
 * </pre>
 *
 * <h2>Descriptors</h2>
 * Only ATTACHED and OBSERVED carry descriptors, exactly {@link #ATTACHED_DESCRIPTORS} and
 * {@link #OBSERVED_DESCRIPTORS}, with the first byte of their frame. A receiver closes every descriptor that arrives
 * with any other frame, or in another number, and treats it as a protocol error; the manager accepts none at all.
 *
 * <h2>Validation</h2>
 * A receiver checks, in this order: magic, version, type, body length, then every field of the body, and that the
 * body holds exactly its fields (no more, no fewer). Pids lie in {@code 1..}{@link #PID_MAX}; a start time is clock
 * ticks after boot, as {@code /proc/PID/stat} gives it, or {@link ProcessIdentity#UNKNOWN_START_TIME}. In ATTACH, page size and ring capacity are decoded
 * as sent and judged by the manager, which refuses a bad one with {@link RefusalCode#BAD_PAGE_SIZE} or
 * {@link RefusalCode#BAD_RING_CAPACITY} (a refusal the worker can act on, not a broken frame); in ATTACHED they must
 * be legal.
 *
 * <h2>Compatibility</h2>
 * The header layout and the REFUSED body are frozen across versions, so that a manager can always tell a worker of
 * another version why it was turned away ({@link RefusalCode#BAD_VERSION}). Any other change bumps {@link #VERSION}.
 */
public final class ControlMessageDescriptor {
    /** 'PGCT': PaGestore ConTrol. */
    public static final int MAGIC = 0x50474354;
    /**
     * The layout described here. A peer of any other version is refused with {@link RefusalCode#BAD_VERSION}: start
     * times in clock ticks after boot ({@link ProcessIdentity}, which two processes agree on, unlike epoch times each
     * derives from its own reading of the boot time) and the REFUSED codes a session can end with would both be
     * misread by a peer that expects another layout.
     */
    public static final int VERSION = 4;
    public static final ByteOrder BYTE_ORDER = ByteOrder.BIG_ENDIAN;

    public static final int MAGIC_OFFSET;
    public static final int VERSION_OFFSET;
    public static final int TYPE_OFFSET;
    public static final int BODY_LENGTH_OFFSET;
    public static final int HEADER_LENGTH;

    /** The largest body any version may send; a receiver refuses a larger length before reading it. */
    public static final int BODY_LENGTH_MAX = 4096;
    public static final int FRAME_LENGTH_MAX;

    // ATTACH body.
    public static final int ATTACH_WORKER_PID_OFFSET;
    public static final int ATTACH_WORKER_START_OFFSET;
    public static final int ATTACH_PAGE_SIZE_OFFSET;
    public static final int ATTACH_RING_CAPACITY_OFFSET;
    public static final int ATTACH_CLIENT_NAME_OFFSET;
    public static final int ATTACH_FIXED_LENGTH;

    // ATTACHED body.
    public static final int ATTACHED_ATTACH_ID_OFFSET;
    public static final int ATTACHED_MANAGER_PID_OFFSET;
    public static final int ATTACHED_MANAGER_START_OFFSET;
    public static final int ATTACHED_PAGE_SIZE_OFFSET;
    public static final int ATTACHED_RING_CAPACITY_OFFSET;
    public static final int ATTACHED_LENGTH;
    /** Descriptors sent with ATTACHED: the channel memfd, then the status-region memfd. */
    public static final int ATTACHED_DESCRIPTORS = 2;

    // OBSERVE body.
    public static final int OBSERVE_CLIENT_NAME_OFFSET;
    public static final int OBSERVE_FIXED_LENGTH;

    // OBSERVED body.
    public static final int OBSERVED_MANAGER_PID_OFFSET;
    public static final int OBSERVED_MANAGER_START_OFFSET;
    public static final int OBSERVED_LENGTH;
    /** Descriptors sent with OBSERVED: the status-region memfd. */
    public static final int OBSERVED_DESCRIPTORS = 1;

    // REFUSED body.
    public static final int REFUSED_CODE_OFFSET;
    public static final int REFUSED_MESSAGE_OFFSET;
    public static final int REFUSED_FIXED_LENGTH;

    /** Bytes of a string's length prefix. */
    public static final int STRING_LENGTH_BYTES = Short.BYTES;
    public static final int CLIENT_NAME_BYTES_MAX = 64;
    public static final int REFUSAL_MESSAGE_BYTES_MAX = 1024;

    /** The largest pid a frame may carry ({@link ProcessIdentity#PID_MAX}). */
    public static final long PID_MAX = ProcessIdentity.PID_MAX;

    public static final int[] PAGE_SIZES_BYTES = {4096, 8192, 16384};
    public static final int RING_CAPACITY_MIN = 2;
    public static final int RING_CAPACITY_MAX = 1 << 16;

    static {
        int offset = 0;
        MAGIC_OFFSET = offset;
        offset += Integer.BYTES;
        VERSION_OFFSET = offset;
        offset += Short.BYTES;
        TYPE_OFFSET = offset;
        offset += Short.BYTES;
        BODY_LENGTH_OFFSET = offset;
        offset += Integer.BYTES;
        HEADER_LENGTH = offset;
        FRAME_LENGTH_MAX = HEADER_LENGTH + BODY_LENGTH_MAX;

        offset = 0;
        ATTACH_WORKER_PID_OFFSET = offset;
        offset += Long.BYTES;
        ATTACH_WORKER_START_OFFSET = offset;
        offset += Long.BYTES;
        ATTACH_PAGE_SIZE_OFFSET = offset;
        offset += Integer.BYTES;
        ATTACH_RING_CAPACITY_OFFSET = offset;
        offset += Integer.BYTES;
        ATTACH_CLIENT_NAME_OFFSET = offset;
        offset += STRING_LENGTH_BYTES;
        ATTACH_FIXED_LENGTH = offset;

        offset = 0;
        ATTACHED_ATTACH_ID_OFFSET = offset;
        offset += Long.BYTES;
        ATTACHED_MANAGER_PID_OFFSET = offset;
        offset += Long.BYTES;
        ATTACHED_MANAGER_START_OFFSET = offset;
        offset += Long.BYTES;
        ATTACHED_PAGE_SIZE_OFFSET = offset;
        offset += Integer.BYTES;
        ATTACHED_RING_CAPACITY_OFFSET = offset;
        offset += Integer.BYTES;
        ATTACHED_LENGTH = offset;

        offset = 0;
        OBSERVE_CLIENT_NAME_OFFSET = offset;
        offset += STRING_LENGTH_BYTES;
        OBSERVE_FIXED_LENGTH = offset;

        offset = 0;
        OBSERVED_MANAGER_PID_OFFSET = offset;
        offset += Long.BYTES;
        OBSERVED_MANAGER_START_OFFSET = offset;
        offset += Long.BYTES;
        OBSERVED_LENGTH = offset;

        offset = 0;
        REFUSED_CODE_OFFSET = offset;
        offset += Short.BYTES;
        REFUSED_MESSAGE_OFFSET = offset;
        offset += STRING_LENGTH_BYTES;
        REFUSED_FIXED_LENGTH = offset;

        // Layout facts, asserted once when the class loads.
        assert HEADER_LENGTH == 12 : "header is " + HEADER_LENGTH + " bytes, the diagram says 12";
        assert ATTACH_FIXED_LENGTH == 26 : "ATTACH fixed part is " + ATTACH_FIXED_LENGTH + " bytes, not 26";
        assert ATTACHED_LENGTH == 32 : "ATTACHED is " + ATTACHED_LENGTH + " bytes, not 32";
        assert OBSERVE_FIXED_LENGTH == 2 && OBSERVED_LENGTH == 16 : "OBSERVE/OBSERVED drifted from the diagram";
        assert REFUSED_FIXED_LENGTH == 4 : "REFUSED fixed part is " + REFUSED_FIXED_LENGTH + " bytes, not 4";
        assert ATTACH_FIXED_LENGTH + CLIENT_NAME_BYTES_MAX <= BODY_LENGTH_MAX : "ATTACH cannot fit its longest name";
        assert REFUSED_FIXED_LENGTH + REFUSAL_MESSAGE_BYTES_MAX <= BODY_LENGTH_MAX : "REFUSED cannot fit its message";
        assert Integer.bitCount(RING_CAPACITY_MIN) == 1 && Integer.bitCount(RING_CAPACITY_MAX) == 1
                : "ring capacity bounds must be powers of two";
        assert MessageType.values().length > 0 && RefusalCode.values().length > 0;
    }

    private ControlMessageDescriptor() {
    }

    /**
     * {@code null} when {@code pageSizeBytes} is one pagestore supports, else a message naming the value (ATTACH may
     * also send 0; the manager judges that).
     */
    public static String checkPageSize(int pageSizeBytes) {
        for (int supported : PAGE_SIZES_BYTES) {
            if (pageSizeBytes == supported) {
                return null;
            }
        }
        return "pageSizeBytes=" + pageSizeBytes + " is not one of 4096, 8192, 16384";
    }

    /** {@code null} when {@code ringCapacity} is a power of two in range, else a message naming the value. */
    public static String checkRingCapacity(int ringCapacity) {
        if (ringCapacity < RING_CAPACITY_MIN || ringCapacity > RING_CAPACITY_MAX
                || Integer.bitCount(ringCapacity) != 1) {
            return "ringCapacity=" + ringCapacity + " is not a power of two in [" + RING_CAPACITY_MIN + ", "
                    + RING_CAPACITY_MAX + "]";
        }
        return null;
    }

    /** {@code null} when {@code pid} can be a Linux pid, else a message naming the value. */
    public static String checkPid(String what, long pid) {
        return pid >= 1 && pid <= PID_MAX ? null : what + "=" + pid + " is not a pid in [1, " + PID_MAX + "]";
    }

    /** {@code null} when {@code startTicks} is clock ticks or unknown, else a message naming the value. */
    public static String checkStartTime(String what, long startTicks) {
        return startTicks >= 0 || startTicks == ProcessIdentity.UNKNOWN_START_TIME ? null
                : what + "=" + startTicks + " is neither clock ticks nor " + ProcessIdentity.UNKNOWN_START_TIME
                        + " (unknown)";
    }

    /** {@code null} when {@code name} is a valid client name, else a message naming the value. */
    public static String checkClientName(String name) {
        if (name == null) {
            return "clientName is null";
        }
        int bytes = name.getBytes(StandardCharsets.UTF_8).length;
        if (bytes < 1 || bytes > CLIENT_NAME_BYTES_MAX) {
            return "clientName='" + printable(name) + "' is " + bytes + " UTF-8 bytes, not 1.." + CLIENT_NAME_BYTES_MAX;
        }
        for (int i = 0; i < name.length(); i++) {
            if (Character.isISOControl(name.charAt(i))) {
                return "clientName='" + printable(name) + "' contains control character " + (int) name.charAt(i);
            }
        }
        return null;
    }

    /** {@code name} with control characters escaped and cut to 80 characters, for messages. */
    static String printable(String name) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < name.length() && out.length() < 80; i++) {
            char c = name.charAt(i);
            if (Character.isISOControl(c)) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return name.length() > 80 ? out + "..." : out.toString();
    }
}

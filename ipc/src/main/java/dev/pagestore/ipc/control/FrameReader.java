package dev.pagestore.ipc.control;

import dev.pagestore.ipc.linux.LibcFiles;
import dev.pagestore.ipc.linux.UnixSocket;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The worker side's blocking reader of whole frames, with the descriptors that came with them: reads exactly a
 * header, checks it, then exactly its body, so it never reads into the next frame, and a descriptor is always
 * attributed to the frame whose bytes it arrived with.
 *
 * <p>Whoever gets a {@link Frame} owns its descriptors. On any failure the descriptors received so far are closed.
 * Not thread-safe: one reader thread.
 */
final class FrameReader {
    /** A decoded frame and the descriptors that arrived with its bytes. */
    record Frame(ControlMessage message, int[] descriptors) {
        void closeDescriptors() {
            for (int fd : descriptors) {
                LibcFiles.close(fd);
            }
        }
    }

    private final UnixSocket socket;
    private final MemorySegment buffer = Arena.ofAuto().allocate(ControlMessageDescriptor.FRAME_LENGTH_MAX, 8);
    private int[] descriptors = new int[0];
    private int bytesIntoFrame;

    FrameReader(UnixSocket socket) {
        this.socket = socket;
    }

    /**
     * Reads the next frame, waiting until {@code deadlineNanos} ({@link System#nanoTime()}; {@link Long#MAX_VALUE}
     * for no deadline).
     *
     * @return the frame, or {@code null} at end of stream ({@link #bytesIntoFrame()} says whether a frame was cut)
     * @throws ControlProtocolException for a malformed frame or descriptors that did not fit
     * @throws IOException a reset, a closed socket, or the deadline
     */
    Frame read(long deadlineNanos) throws IOException {
        descriptors = new int[0];
        bytesIntoFrame = 0;
        boolean success = false;
        try {
            if (!fill(0, ControlMessageDescriptor.HEADER_LENGTH, deadlineNanos)) {
                return null;
            }
            ByteBuffer header = buffer.asSlice(0, ControlMessageDescriptor.HEADER_LENGTH).asByteBuffer();
            ControlCodec.Header checked = ControlCodec.decodeHeader(header);
            int frameLength = ControlMessageDescriptor.HEADER_LENGTH + checked.bodyLength();
            if (!fill(ControlMessageDescriptor.HEADER_LENGTH, frameLength, deadlineNanos)) {
                return null;
            }
            byte[] body = buffer.asSlice(ControlMessageDescriptor.HEADER_LENGTH, checked.bodyLength())
                    .toArray(ValueLayout.JAVA_BYTE);
            Frame frame = new Frame(ControlCodec.decodeBody(checked.type(), ByteBuffer.wrap(body)), descriptors);
            success = true;
            return frame;
        } finally {
            if (!success) {
                new Frame(null, descriptors).closeDescriptors();
            }
        }
    }

    /** Bytes of a frame read before the end of stream the last {@link #read} returned. */
    int bytesIntoFrame() {
        return bytesIntoFrame;
    }

    /** Reads until the buffer holds bytes [from, to); false at end of stream first. */
    private boolean fill(int from, int to, long deadlineNanos) throws IOException {
        int have = from;
        while (have < to) {
            if (deadlineNanos != Long.MAX_VALUE) {
                long leftNanos = deadlineNanos - System.nanoTime();
                if (leftNanos <= 0 || !socket.awaitReadable((int) Math.max(1, Math.min(Integer.MAX_VALUE,
                        leftNanos / 1_000_000)))) {
                    if (deadlineNanos - System.nanoTime() <= 0) {
                        throw new IOException("no answer in time (" + have + " bytes of a frame arrived)");
                    }
                    continue;
                }
            }
            UnixSocket.Received received = socket.receive(buffer.asSlice(have), to - have, true);
            if (received.descriptors().length > 0) {
                int[] more = Arrays.copyOf(descriptors, descriptors.length + received.descriptors().length);
                System.arraycopy(received.descriptors(), 0, more, descriptors.length, received.descriptors().length);
                descriptors = more;
            }
            if (received.descriptorsTruncated()) {
                throw new ControlProtocolException(ProtocolProblem.BAD_FIELD,
                        "more descriptors arrived than a frame may carry; the kernel dropped the rest");
            }
            if (received.bytes() == 0) {
                bytesIntoFrame = have;
                return false;
            }
            have += (int) received.bytes();
        }
        return true;
    }
}

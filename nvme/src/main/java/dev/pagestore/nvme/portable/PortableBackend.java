package dev.pagestore.nvme.portable;

import dev.pagestore.nvme.IoOpcode;
import dev.pagestore.nvme.IoStatus;
import dev.pagestore.nvme.QueueBackend;
import dev.pagestore.nvme.StatusDetail;
import dev.pagestore.ipc.linux.Errno;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;

/**
 * The {@link PortableBlockDevice}'s queue backend: {@link #ringDoorbell} runs the issued commands synchronously and
 * queues their completions for {@link #drain}. Nothing is allocated per I/O beyond the {@link ByteBuffer}
 * views the channel API needs.
 */
final class PortableBackend implements QueueBackend {
    private final PortableBlockDevice device;
    private final FileChannel channel;

    // Issued since the last doorbell.
    private final int[] issuedCid;
    private final IoOpcode[] issuedOpcode;
    private final MemorySegment[] issuedBuffer;
    private final long[] issuedOffset;
    private final int[] issuedLength;
    private int issuedCount;

    // Completions waiting for poll: a ring of depth entries (never more than depth commands are outstanding).
    private final int[] doneCid;
    private final IoStatus[] doneStatus;
    private final int[] doneBytes;
    private final int[] doneDetail;
    private int doneHead;
    private int doneCount;

    PortableBackend(PortableBlockDevice device, int queueDepth) {
        this.device = device;
        this.channel = device.channel();
        issuedCid = new int[queueDepth];
        issuedOpcode = new IoOpcode[queueDepth];
        issuedBuffer = new MemorySegment[queueDepth];
        issuedOffset = new long[queueDepth];
        issuedLength = new int[queueDepth];
        doneCid = new int[queueDepth];
        doneStatus = new IoStatus[queueDepth];
        doneBytes = new int[queueDepth];
        doneDetail = new int[queueDepth];
    }

    @Override
    public void issue(int slot, int cid, IoOpcode opcode, MemorySegment buffer, long deviceOffset, int lengthBytes) {
        assert issuedCount < issuedCid.length : "more issued than the queue depth";
        int i = issuedCount++;
        issuedCid[i] = cid;
        issuedOpcode[i] = opcode;
        issuedBuffer[i] = buffer;
        issuedOffset[i] = deviceOffset;
        issuedLength[i] = lengthBytes;
    }

    @Override
    public void ringDoorbell(int count) {
        assert count == issuedCount : "doorbell for " + count + " but " + issuedCount + " issued";
        for (int i = 0; i < issuedCount; i++) {
            execute(issuedCid[i], issuedOpcode[i], issuedBuffer[i], issuedOffset[i], issuedLength[i]);
            issuedBuffer[i] = null;
        }
        issuedCount = 0;
    }

    private void execute(int cid, IoOpcode opcode, MemorySegment buffer, long offset, int length) {
        try {
            switch (opcode) {
                case READ -> complete(cid, IoStatus.OK, read(buffer, offset, length), StatusDetail.NONE);
                case WRITE -> complete(cid, IoStatus.OK, write(buffer.asSlice(0, length).asByteBuffer(), offset),
                        StatusDetail.NONE);
                case FLUSH -> {
                    channel.force(false);  // fdatasync: data and the metadata needed to read it
                    complete(cid, IoStatus.OK, 0, StatusDetail.NONE);
                }
                case WRITE_ZEROES -> {
                    writeZeroes(offset, length);
                    complete(cid, IoStatus.OK, 0, StatusDetail.NONE);
                }
            }
        } catch (ClosedChannelException e) {
            complete(cid, IoStatus.ABORTED, 0, StatusDetail.NONE);
        } catch (IOException e) {
            String message = String.valueOf(e.getMessage());
            if (message.contains("No space left")) {
                complete(cid, IoStatus.NO_SPACE, 0, StatusDetail.errno(Errno.ENOSPC.number()));
            } else {
                complete(cid, IoStatus.IO_ERROR, 0, StatusDetail.errno(Errno.EIO.number()));
            }
        }
    }

    private int read(MemorySegment buffer, long offset, int length) throws IOException {
        ByteBuffer view = buffer.asSlice(0, length).asByteBuffer();
        int total = 0;
        while (view.hasRemaining()) {  // bounded: each pass reads at least one byte or ends at end of file
            int n = channel.read(view, offset + total);
            if (n < 0) {
                break;  // end of file: a short transfer, reported by the queue pair
            }
            total += n;
        }
        return total;
    }

    private int write(ByteBuffer view, long offset) throws IOException {
        int total = 0;
        while (view.hasRemaining()) {  // bounded: FileChannel.write blocks until it writes at least one byte
            total += channel.write(view, offset + total);
        }
        return total;
    }

    private void writeZeroes(long offset, int length) throws IOException {
        MemorySegment zeroes = device.zeroes();
        for (int done = 0; done < length; ) {
            int chunk = (int) Math.min(zeroes.byteSize(), length - done);
            write(zeroes.asSlice(0, chunk).asByteBuffer(), offset + done);
            done += chunk;
        }
    }

    private void complete(int cid, IoStatus status, int bytes, int detail) {
        assert doneCount < doneCid.length : "completion ring overflow";
        int i = (doneHead + doneCount) % doneCid.length;
        doneCount++;
        doneCid[i] = cid;
        doneStatus[i] = status;
        doneBytes[i] = bytes;
        doneDetail[i] = detail;
    }

    @Override
    public int drain(int max, Reaped into) {
        int drained = 0;
        while (drained < max && doneCount > 0) {
            if (!into.reaped(doneCid[doneHead], doneStatus[doneHead], doneBytes[doneHead], doneDetail[doneHead])) {
                break;
            }
            doneStatus[doneHead] = null;
            doneHead = (doneHead + 1) % doneCid.length;
            doneCount--;
            drained++;
        }
        return drained;
    }

    @Override
    public void close() {
        // Every command ran to completion inside ringDoorbell: no I/O can touch a caller buffer after this.
        issuedCount = 0;
        doneCount = 0;
    }
}

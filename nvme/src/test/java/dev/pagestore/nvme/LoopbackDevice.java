package dev.pagestore.nvme;

import java.lang.foreign.MemorySegment;

/**
 * Test helper: a device whose queue pairs complete every command OK at the doorbell (newest first), touching no
 * memory, so the queue pair core can be measured and tested without any backend behaviour.
 */
final class LoopbackDevice implements BlockDevice {
    @Override
    public String name() {
        return "loopback";
    }

    @Override
    public long capacityBytes() {
        return 1 << 20;
    }

    @Override
    public int logicalBlockSizeBytes() {
        return 4096;
    }

    @Override
    public int memoryAlignmentBytes() {
        return 4096;
    }

    @Override
    public int offsetAlignmentBytes() {
        return 4096;
    }

    @Override
    public int maxTransferBytes() {
        return 1 << 20;
    }

    @Override
    public boolean supportsWriteZeroes() {
        return false;
    }

    @Override
    public QueuePair openQueuePair(int queueDepth) {
        return new QueuePair(this, 1, queueDepth, NanoClock.SYSTEM, new LoopbackBackend(queueDepth));
    }

    @Override
    public void close() {
    }

    private static final class LoopbackBackend implements QueueBackend {
        private final int[] issued;
        private final int[] issuedLength;
        private int issuedCount;
        private final int[] done;
        private final int[] doneLength;
        private int doneCount;

        LoopbackBackend(int depth) {
            issued = new int[depth];
            issuedLength = new int[depth];
            done = new int[depth];
            doneLength = new int[depth];
        }

        @Override
        public void issue(int slot, int cid, IoOpcode opcode, MemorySegment buffer, long deviceOffset,
                int lengthBytes) {
            issuedLength[issuedCount] = lengthBytes;
            issued[issuedCount++] = cid;
        }

        @Override
        public void ringDoorbell(int issuedCount) {
            for (int i = 0; i < this.issuedCount; i++) {
                doneLength[doneCount] = issuedLength[i];
                done[doneCount++] = issued[i];
            }
            this.issuedCount = 0;
        }

        @Override
        public int drain(int max, Reaped into) {
            int n = 0;
            while (n < max && doneCount > 0 && into.reaped(done[doneCount - 1], IoStatus.OK,
                    doneLength[doneCount - 1], StatusDetail.NONE)) {
                doneCount--;
                n++;
            }
            return n;
        }

        @Override
        public void close() {
        }
    }
}

package dev.pagestore.ipc.channel;

import dev.pagestore.ipc.ring.RequestDescriptor;
import java.lang.foreign.MemorySegment;

/**
 * The request stream of the cross-process tests: entry {@code seq} carries {@code seq} as its request id, fields derived
 * from {@code seq}, and a checksum over them, so the consumer can tell a lost, duplicated or reordered entry (wrong id)
 * from a torn or stale one (checksum or fields wrong). Allocates nothing unless a check fails.
 */
final class StreamEntries {
    private StreamEntries() {
    }

    /** SplitMix64's finaliser: a cheap, well-mixed function of {@code x}. */
    static long mix(long x) {
        x = (x ^ (x >>> 30)) * 0xBF58476D1CE4E5B9L;
        x = (x ^ (x >>> 27)) * 0x94D049BB133111EBL;
        return x ^ (x >>> 31);
    }

    private static int checksum(long requestId, long pageNumber, int pageCount, int slot, long deadline, long batchId) {
        long h = mix(requestId ^ mix(pageNumber ^ mix(deadline ^ mix(batchId))));
        return (int) (h ^ (h >>> 32)) ^ (pageCount * 31 + slot * 131);
    }

    static void write(MemorySegment ring, long offset, long seq) {
        long pageNumber = mix(seq) & 0xFFFF_FFFFFL;
        int pageCount = 1 + (int) (seq & 3);
        int slot = (int) (seq & 7);
        long deadline = mix(seq + 1);
        long batchId = mix(seq + 2);
        RequestDescriptor.write(ring, offset, (seq & 1) == 0 ? RequestDescriptor.OPCODE_READ
                : RequestDescriptor.OPCODE_WRITE, (byte) 0, seq, pageNumber, pageCount, slot, deadline, batchId,
                checksum(seq, pageNumber, pageCount, slot, deadline, batchId));
    }

    /** Null when the entry at {@code offset} is entry {@code expectedSeq}, whole; else what is wrong. */
    static String check(MemorySegment ring, long offset, long expectedSeq) {
        long requestId = RequestDescriptor.requestId(ring, offset);
        long pageNumber = RequestDescriptor.pageNumber(ring, offset);
        int pageCount = RequestDescriptor.pageCount(ring, offset);
        int slot = RequestDescriptor.bufferSlot(ring, offset);
        long deadline = RequestDescriptor.deadlineNanos(ring, offset);
        long batchId = RequestDescriptor.batchId(ring, offset);
        int checksum = RequestDescriptor.checksum(ring, offset);
        if (requestId != expectedSeq) {
            return "expected entry " + expectedSeq + ", found " + requestId
                    + (requestId < expectedSeq ? " (duplicate or reordered)" : " (lost entries)");
        }
        if (checksum != checksum(requestId, pageNumber, pageCount, slot, deadline, batchId)) {
            return "entry " + expectedSeq + " is torn: checksum " + checksum + " does not match its fields";
        }
        if (pageNumber != (mix(expectedSeq) & 0xFFFF_FFFFFL) || deadline != mix(expectedSeq + 1)
                || RequestDescriptor.validate(ring, offset, 16, 4, Long.MAX_VALUE)
                        != RequestDescriptor.Violation.VALID) {
            return "entry " + expectedSeq + " holds fields of another entry";
        }
        return null;
    }
}

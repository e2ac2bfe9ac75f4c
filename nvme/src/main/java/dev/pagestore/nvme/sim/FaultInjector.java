package dev.pagestore.nvme.sim;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Faults a {@link SimulatedNvmeDevice} will inject, modelled on SPDK's
 * {@code spdk_nvme_qpair_add_cmd_error_injection(ctrlr, qpair, opc, do_not_submit, timeout_in_us, err_count, sct,
 * sc)}: a rule applies to the next {@code count} commands with a given opcode ({@link #ANY_OPCODE} for all), in the
 * order the controller fetches them from any of the device's queues. Rules are consulted in the order they were
 * added and the first one that matches a command is used (one fault per command).
 *
 * <table>
 *   <caption>The fault model</caption>
 *   <tr><th>fault</th><th>what the device does</th><th>what the host sees</th></tr>
 *   <tr><td>{@link #failNext}</td><td>does not execute; completes with the status (SPDK's do_not_submit)</td>
 *       <td>the mapped {@code IoStatus}, the NVMe status in the detail; retried unless DNR</td></tr>
 *   <tr><td>{@link #holdNext}</td><td>keeps the command until {@link #releaseHeld()}; ignores aborts</td>
 *       <td>TIMEOUT at the deadline, buffer fenced; the fence is released by the late completion</td></tr>
 *   <tr><td>{@link #loseCompletionOfNext}</td><td>executes, never posts a completion</td>
 *       <td>TIMEOUT; the buffer stays fenced for good (until close)</td></tr>
 *   <tr><td>{@link #delayNext}</td><td>completes {@code extraTicks} polls later than the latency model says</td>
 *       <td>a late completion (TIMEOUT first if past the deadline)</td></tr>
 *   <tr><td>{@link #duplicateCompletionOfNext}</td><td>posts the completion twice</td>
 *       <td>one completion; the second is counted as a duplicate</td></tr>
 *   <tr><td>{@link #spuriousCompletion}</td><td>posts a completion for a cid it never received</td>
 *       <td>counted and reported as unmapped; no command completes</td></tr>
 *   <tr><td>{@link #shortTransferNext}</td><td>moves only the first {@code bytes}, reports that count</td>
 *       <td>SHORT_TRANSFER (retried by default)</td></tr>
 *   <tr><td>{@link #tearNextWrite}</td><td>persists only the first {@code persistedBytes}, reports success</td>
 *       <td>OK: the tear is silent, found only by reading back (what checksums are for)</td></tr>
 *   <tr><td>{@link SimulatedNvmeDevice#powerFail()}</td><td>drops the volatile write cache (or, with the random
 *       write-back, keeps each cached write whole, torn or not at all) and aborts every command not yet
 *       completed</td><td>ABORTED (NVMe "aborted due to power loss"); unflushed writes are gone or torn</td></tr>
 *   <tr><td>{@link SimulatedMedia#flipBit}</td><td>rots a bit on the media (and in the cache's copy)</td>
 *       <td>OK, and the wrong byte: found only by checksums</td></tr>
 * </table>
 *
 * Thread-safe: tests may add rules from any thread.
 */
public final class FaultInjector {
    /** Matches every opcode. */
    public static final int ANY_OPCODE = -1;

    enum Kind { FAIL, HOLD, LOSE_COMPLETION, DELAY, DUPLICATE_COMPLETION, SHORT_TRANSFER, TORN_WRITE }

    /**
     * One command's fault, as decided when the controller fetched it; a held command carries the release epoch it
     * waits out ({@code -1} for other faults).
     */
    record Fault(Kind kind, int statusField, int ticks, int bytes, int heldEpoch) {
        Fault(Kind kind, int statusField, int ticks, int bytes) {
            this(kind, statusField, ticks, bytes, -1);
        }
    }

    private static final class Rule {
        final Fault fault;
        final int opcode;
        int remaining;

        Rule(Fault fault, int opcode, int remaining) {
            this.fault = fault;
            this.opcode = opcode;
            this.remaining = remaining;
        }
    }

    record Spurious(int queuePairId, int cid, int statusField) {
    }

    private final List<Rule> rules = new ArrayList<>();
    private final List<Spurious> spurious = new ArrayList<>();
    private volatile int releaseEpoch;
    private int injected;
    private final int[] injectedByKind = new int[Kind.values().length];

    /** The next {@code count} commands of {@code opcode} are not executed and complete with {@code statusField}. */
    public synchronized void failNext(int opcode, int count, int statusField) {
        if (statusField == NvmeStatus.SUCCESS) {
            throw new IllegalArgumentException("statusField=0 is success, not a failure");
        }
        add(new Fault(Kind.FAIL, statusField, 0, 0), opcode, count);
    }

    /** The next {@code count} commands of {@code opcode} are held back until {@link #releaseHeld()}. */
    public synchronized void holdNext(int opcode, int count) {
        add(new Fault(Kind.HOLD, 0, 0, 0), opcode, count);
    }

    /** Completes every held command at its queue's next poll: their completions arrive late. */
    public synchronized void releaseHeld() {
        releaseEpoch++;  // volatile: queues compare it with the epoch at which they held a command
    }

    /** The next {@code count} commands of {@code opcode} execute but their completions are lost. */
    public synchronized void loseCompletionOfNext(int opcode, int count) {
        add(new Fault(Kind.LOSE_COMPLETION, 0, 0, 0), opcode, count);
    }

    /** The next {@code count} commands of {@code opcode} complete {@code extraTicks} polls late. */
    public synchronized void delayNext(int opcode, int count, int extraTicks) {
        if (extraTicks <= 0) {
            throw new IllegalArgumentException("extraTicks=" + extraTicks + " must be positive");
        }
        add(new Fault(Kind.DELAY, 0, extraTicks, 0), opcode, count);
    }

    /** The next {@code count} commands of {@code opcode} complete twice (the same CQE posted again). */
    public synchronized void duplicateCompletionOfNext(int opcode, int count) {
        add(new Fault(Kind.DUPLICATE_COMPLETION, 0, 0, 0), opcode, count);
    }

    /** The next {@code count} reads or writes ({@code opcode}) transfer only {@code bytes} and report that. */
    public synchronized void shortTransferNext(int opcode, int count, int bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("bytes=" + bytes + " is negative");
        }
        add(new Fault(Kind.SHORT_TRANSFER, 0, 0, bytes), opcode, count);
    }

    /**
     * The next {@code count} writes persist only their first {@code persistedBytes} (rounded down to the logical
     * block size, as a device tears at its atomic write unit) and still report success.
     */
    public synchronized void tearNextWrite(int count, int persistedBytes) {
        if (persistedBytes < 0) {
            throw new IllegalArgumentException("persistedBytes=" + persistedBytes + " is negative");
        }
        add(new Fault(Kind.TORN_WRITE, 0, 0, persistedBytes), NvmeOpcodes.WRITE, count);
    }

    /** Posts a completion with {@code cid} on queue pair {@code queuePairId} at its next poll. */
    public synchronized void spuriousCompletion(int queuePairId, int cid, int statusField) {
        if (cid < 0 || cid > 0xffff) {
            throw new IllegalArgumentException("cid=" + cid + " is not a 16-bit command id");
        }
        spurious.add(new Spurious(queuePairId, cid, statusField));
    }

    /** Spurious completions planned but not yet posted (a full completion queue defers one to the next tick). */
    synchronized int pendingSpuriousCount() {
        return spurious.size();
    }

    /**
     * Removes every rule not yet used up (held commands stay held until released), and every spurious completion not
     * yet posted.
     */
    public synchronized void clear() {
        rules.clear();
        spurious.clear();
    }

    /** Commands a rule has been applied to so far. */
    public synchronized int injectedCount() {
        return injected;
    }

    /** Commands a rule of this kind has been applied to so far (for tests that reconcile counters). */
    synchronized int injectedCount(Kind kind) {
        return injectedByKind[kind.ordinal()];
    }

    private void add(Fault fault, int opcode, int count) {
        if (count <= 0) {
            throw new IllegalArgumentException("count=" + count + " must be positive");
        }
        if (opcode != ANY_OPCODE && !NvmeOpcodes.isKnown(opcode)) {
            throw new IllegalArgumentException("opcode=0x" + Integer.toHexString(opcode) + " is not an NVM opcode");
        }
        rules.add(new Rule(fault, opcode, count));
    }

    /** The fault for a command being fetched, or null; uses up one count of the first matching rule. */
    synchronized Fault take(int opcode) {
        for (Iterator<Rule> it = rules.iterator(); it.hasNext(); ) {
            Rule rule = it.next();
            if (rule.opcode == ANY_OPCODE || rule.opcode == opcode) {
                if (--rule.remaining == 0) {
                    it.remove();
                }
                injected++;
                injectedByKind[rule.fault.kind().ordinal()]++;
                // The epoch is read under the lock releaseHeld() takes, with the count: a release made after a test
                // saw this injection counted always answers the command.
                Fault f = rule.fault;
                return f.kind() == Kind.HOLD ? new Fault(f.kind(), 0, 0, 0, releaseEpoch) : f;
            }
        }
        return null;
    }

    /** Spurious completions due on {@code queuePairId}, removed from the plan. */
    synchronized List<Spurious> takeSpurious(int queuePairId) {
        if (spurious.isEmpty()) {
            return List.of();
        }
        List<Spurious> due = new ArrayList<>();
        for (Iterator<Spurious> it = spurious.iterator(); it.hasNext(); ) {
            Spurious s = it.next();
            if (s.queuePairId() == queuePairId) {
                due.add(s);
                it.remove();
            }
        }
        return due;
    }

    int releaseEpoch() {
        return releaseEpoch;
    }
}

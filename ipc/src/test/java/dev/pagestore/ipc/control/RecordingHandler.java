package dev.pagestore.ipc.control;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.pagestore.ipc.linux.MemfdRegion;
import dev.pagestore.ipc.linux.ProcessIdentity;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A test {@link AttachHandler}: grants the requested parameters when they are valid (0 means 4096 bytes and 64
 * entries), with a fresh sealed memfd per attach that holds the attach id at offset 0 and one read-only "status"
 * memfd for everyone; refuses invalid parameters with the descriptor's checks; records every call.
 */
class RecordingHandler implements AttachHandler, AutoCloseable {
    record Attach(ControlSession session, AttachRequest request, long atNanos) {
    }

    record Detach(ControlSession session, DetachReason reason, String detail, long atNanos) {
    }

    /** The status memfd's first word. */
    static final long STATUS_MARK = 0x5354415455534d4bL;

    final BlockingQueue<Attach> attaches = new LinkedBlockingQueue<>();
    final BlockingQueue<Detach> detaches = new LinkedBlockingQueue<>();
    final BlockingQueue<ProcessIdentity> observers = new LinkedBlockingQueue<>();
    final Map<Long, MemfdRegion> channels = new ConcurrentHashMap<>();
    final MemfdRegion status;

    RecordingHandler() {
        try {
            status = MemfdRegion.create("test-status", 4096, MemfdRegion.READ_ONLY_SEALS);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        status.segment().set(JAVA_LONG, 0, STATUS_MARK);
    }

    @Override
    public AttachDecision onAttach(ControlSession session, AttachRequest request) throws Exception {
        attaches.add(new Attach(session, request, System.nanoTime()));
        int pageSize = request.pageSizeBytes() == 0 ? 4096 : request.pageSizeBytes();
        int ringCapacity = request.ringCapacity() == 0 ? 64 : request.ringCapacity();
        String problem = ControlMessageDescriptor.checkPageSize(pageSize);
        if (problem != null) {
            return new Refusal(RefusalCode.BAD_PAGE_SIZE, problem);
        }
        problem = ControlMessageDescriptor.checkRingCapacity(ringCapacity);
        if (problem != null) {
            return new Refusal(RefusalCode.BAD_RING_CAPACITY, problem);
        }
        MemfdRegion channel = MemfdRegion.create("test-channel-" + session.attachId(), 4096, MemfdRegion.SIZE_SEALS);
        channel.segment().set(JAVA_LONG, 0, session.attachId());
        channels.put(session.attachId(), channel);
        return new AttachGrant(pageSize, ringCapacity, channel.descriptor(), status.descriptor());
    }

    @Override
    public void onDetach(ControlSession session, DetachReason reason, String detail) {
        detaches.add(new Detach(session, reason, detail, System.nanoTime()));
        MemfdRegion channel = channels.remove(session.attachId());
        if (channel != null) {
            channel.close();
        }
    }

    @Override
    public ObserveDecision onObserve(ProcessIdentity observer, ObserveRequest request) {
        observers.add(observer);
        return new ObserveGrant(status.descriptor());
    }

    Attach nextAttach() throws InterruptedException {
        Attach attach = attaches.poll(10, TimeUnit.SECONDS);
        if (attach == null) {
            throw new AssertionError("no attach within 10 s");
        }
        return attach;
    }

    Detach nextDetach() throws InterruptedException {
        Detach detach = detaches.poll(10, TimeUnit.SECONDS);
        if (detach == null) {
            throw new AssertionError("no detach within 10 s");
        }
        return detach;
    }

    /** Maps the channel memfd a client received and returns the attach id the handler wrote in it. */
    static long channelMark(ControlClient client) throws IOException {
        try (MemfdRegion channel = MemfdRegion.map(client.takeChannelDescriptor(), "received channel",
                MemfdRegion.SIZE_SEALS, true)) {
            return channel.segment().get(JAVA_LONG, 0);
        }
    }

    @Override
    public void close() {
        channels.values().forEach(MemfdRegion::close);
        status.close();
    }
}

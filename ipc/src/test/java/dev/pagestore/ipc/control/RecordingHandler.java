package dev.pagestore.ipc.control;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A test {@link AttachHandler}: grants {@code ch-ATTACHID} with the requested parameters when they are valid, refuses
 * them with the descriptor's checks otherwise, and records every call with the time it was made.
 */
class RecordingHandler implements AttachHandler {
    record Attach(ControlSession session, AttachRequest request, long atNanos) {
    }

    record Detach(ControlSession session, DetachReason reason, String detail, long atNanos) {
    }

    final BlockingQueue<Attach> attaches = new LinkedBlockingQueue<>();
    final BlockingQueue<Detach> detaches = new LinkedBlockingQueue<>();

    @Override
    public AttachDecision onAttach(ControlSession session, AttachRequest request) {
        attaches.add(new Attach(session, request, System.nanoTime()));
        String problem = ControlMessageDescriptor.checkPageSize(request.pageSizeBytes());
        if (problem != null) {
            return new Refusal(RefusalCode.BAD_PAGE_SIZE, problem);
        }
        problem = ControlMessageDescriptor.checkRingCapacity(request.ringCapacity());
        if (problem != null) {
            return new Refusal(RefusalCode.BAD_RING_CAPACITY, problem);
        }
        return new AttachGrant("ch-" + session.attachId(), request.pageSizeBytes(), request.ringCapacity());
    }

    @Override
    public void onDetach(ControlSession session, DetachReason reason, String detail) {
        detaches.add(new Detach(session, reason, detail, System.nanoTime()));
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
}

package dev.pagestore.ipc.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.ipc.testing.ChildJvm;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The manager ends a session itself ({@link ControlServer#endSession}), as it must when it stops serving a worker's
 * channel: the worker hears at once why, so that it fails its pending calls instead of waiting on their deadlines;
 * the handler hears of the end exactly once, as of any end; the session stops counting toward the caps.
 */
class EndSessionTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String REASON = "reactor 0 stopped serving its channel: the request ring's sequence moved"
            + " backwards";

    @TempDir
    Path directory;

    private final RecordingHandler handler = new RecordingHandler();
    private final BlockingQueue<ManagerGoneEvent> gone = new LinkedBlockingQueue<>();
    private ControlServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        handler.close();
    }

    private ControlClient attach(String name) throws IOException {
        return ControlClient.attach(server.socketPath(), AttachRequest.fromCurrentProcess(4096, 64, name), gone::add,
                WAIT);
    }

    @Test
    void shouldTellAWorkerProcessWhyItsSessionEndedAndTheHandlerOnce() throws Exception {
        server = ControlServer.start(ControlServerOptions.at(directory.resolve("m.sock")), handler);
        try (ChildJvm worker = ChildJvm.start(ControlWorkerMain.class, server.socketPath().toString(), "faulty")) {
            String[] attached = worker.awaitLineStartingWith("ATTACHED", WAIT).split(" ");
            long attachId = Long.parseLong(attached[1]);
            assertEquals(1, server.attachCount());

            assertTrue(server.endSession(attachId, REASON), "this thread is not the control thread: any may ask");
            assertFalse(server.endSession(attachId, "again"), "the end is asked for once");
            assertEquals("GONE SESSION_ENDED SESSION_ENDED: " + REASON, worker.awaitLineStartingWith("GONE", WAIT),
                    "the worker's listener hears the manager's reason");

            RecordingHandler.Detach detach = handler.nextDetach();
            assertEquals(attachId, detach.session().attachId());
            assertEquals(DetachReason.ENDED_BY_MANAGER, detach.reason());
            assertEquals(REASON, detach.detail());
            assertTrue(detach.session().endedAtNanos() != 0);
            assertNull(handler.detaches.poll(500, TimeUnit.MILLISECONDS), "the handler hears of the end once");
            assertEquals(0, server.attachedCount());
            assertTrue(server.attachedSessions().isEmpty());
            assertEquals(1, server.sessionsEndedCount());
            assertFalse(server.endSession(attachId, "after the end"), "an ended session cannot be ended");
            assertTrue(server.isRunning());
        }
    }

    @Test
    void shouldFreeTheWorkersPlaceUnderItsProcessCapAndFailItsDetachWithTheReason() throws Exception {
        server = ControlServer.start(ControlServerOptions.at(directory.resolve("m.sock")).withMaxWorkersPerProcess(1),
                handler);
        ControlClient first = attach("first");
        assertEquals(RefusalCode.TOO_MANY_WORKERS, assertThrows(AttachRefusedException.class,
                () -> attach("second")).code(), "one attachment per process");
        assertTrue(server.endSession(first.attachId(), REASON));
        ManagerGoneEvent event = gone.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertEquals(ManagerGoneEvent.Cause.SESSION_ENDED, event.cause());
        assertEquals(first.attachId(), event.attachId());
        assertEquals("SESSION_ENDED: " + REASON, event.detail());
        assertTrue(first.isManagerGone());
        IOException e = assertThrows(IOException.class, () -> first.detach(WAIT));
        assertTrue(e.getMessage().contains(REASON), e.getMessage());
        first.close();
        assertEquals(DetachReason.ENDED_BY_MANAGER, handler.nextDetach().reason());
        try (ControlClient second = attach("second")) {
            assertTrue(second.attachId() > first.attachId(), "the ended session no longer counts for its process");
        }
        assertEquals(DetachReason.ORDERLY, handler.nextDetach().reason());
        assertFalse(server.endSession(12345, REASON), "an unknown session");
    }

    /** A reactor may give up a channel before the grant even reached its worker. */
    @Test
    void shouldEndASessionAskedForWhileItsGrantWasBeingPrepared() throws Exception {
        RecordingHandler ending = new RecordingHandler() {
            @Override
            public AttachDecision onAttach(ControlSession session, AttachRequest request) throws Exception {
                AttachDecision decision = super.onAttach(session, request);
                assertTrue(server.endSession(session.attachId(), REASON), "known while the handler decides");
                return decision;
            }
        };
        try {
            server = ControlServer.start(ControlServerOptions.at(directory.resolve("m.sock")), ending);
            try (ControlClient client = attach("early")) {
                ManagerGoneEvent event = gone.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                assertEquals(ManagerGoneEvent.Cause.SESSION_ENDED, event.cause());
                assertEquals(client.attachId(), event.attachId());
            }
            assertEquals(DetachReason.ENDED_BY_MANAGER, ending.nextDetach().reason());
            assertNull(ending.detaches.poll(300, TimeUnit.MILLISECONDS));
            assertEquals(0, server.attachedCount());
        } finally {
            server.close();
            ending.close();
        }
    }

    /** An end asked for while the worker detaches (or dies) is reported once, whichever the control thread sees first. */
    @Test
    void shouldReportEachSessionEndOnceWhenTheManagerAndTheWorkerEndItTogether() throws Exception {
        server = ControlServer.start(ControlServerOptions.at(directory.resolve("m.sock")), handler);
        int rounds = 100;
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < rounds; i++) {
            ControlClient client = attach("racer-" + i);
            ids.add(client.attachId());
            CountDownLatch go = new CountDownLatch(1);
            AtomicBoolean asked = new AtomicBoolean();
            Thread manager = Thread.ofPlatform().start(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                asked.set(server.endSession(client.attachId(), REASON));
            });
            go.countDown();
            if (i % 2 == 0) {
                client.close();  // DETACH (or, if the end came first, just the close)
            } else {
                RawPeer.connect(server.socketPath()).close();  // a wake-up of the loop amid the race
                client.close();
            }
            manager.join();
        }
        java.util.Map<DetachReason, Integer> reasons = new java.util.EnumMap<>(DetachReason.class);
        for (int i = 0; i < rounds; i++) {
            RecordingHandler.Detach detach = handler.nextDetach();
            assertTrue(detach.reason() == DetachReason.ORDERLY || detach.reason() == DetachReason.ENDED_BY_MANAGER
                    || detach.reason() == DetachReason.PEER_DIED, detach.toString());
            assertTrue(ids.remove(detach.session().attachId()), "reported twice: " + detach);
            reasons.merge(detach.reason(), 1, Integer::sum);
        }
        System.out.println("sessions ended by the manager and by their workers at once, as reported: " + reasons);
        assertNull(handler.detaches.poll(300, TimeUnit.MILLISECONDS), "no session reported twice");
        assertEquals(0, server.attachedCount());
        assertEquals(rounds, server.sessionsEndedCount());
        try (ControlClient after = attach("after")) {
            assertEquals(after.attachId(), RecordingHandler.channelMark(after), "the server serves on");
        }
    }

    @Test
    void shouldNotEndSessionsOfAClosedServer() throws Exception {
        server = ControlServer.start(ControlServerOptions.at(directory.resolve("m.sock")), handler);
        ControlClient client = attach("last");
        server.close();
        assertEquals(DetachReason.SERVER_CLOSED, handler.nextDetach().reason());
        assertFalse(server.endSession(client.attachId(), REASON));
        assertInstanceOf(ManagerGoneEvent.class, gone.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS));
        client.close();
    }
}

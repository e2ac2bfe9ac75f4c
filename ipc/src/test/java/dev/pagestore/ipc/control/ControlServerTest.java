package dev.pagestore.ipc.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The control server in this JVM, against raw sockets and in-process clients: protocol and robustness. */
class ControlServerTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path directory;

    private Path socketPath;
    private RecordingHandler handler;
    private ControlServer server;
    private final BlockingQueue<ManagerGoneEvent> gone = new LinkedBlockingQueue<>();

    @BeforeEach
    void start() throws IOException {
        socketPath = directory.resolve("control.sock");
        handler = new RecordingHandler();
        server = ControlServer.start(ControlServerOptions.at(socketPath), handler);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private ControlClient attach(String name) throws IOException {
        return ControlClient.attach(socketPath, AttachRequest.fromCurrentProcess(4096, 64, name), gone::add, WAIT);
    }

    // ------------------------------------------------------------------------------------------------ socket file

    @Test
    void shouldCreateTheSocketOwnerOnlyAndUnlinkItOnClose() throws Exception {
        assertTrue(Files.exists(socketPath, LinkOption.NOFOLLOW_LINKS));
        assertEquals("rw-------", PosixFilePermissions.toString(
                Files.getPosixFilePermissions(socketPath, LinkOption.NOFOLLOW_LINKS)));
        assertEquals(0140000, (Integer) Files.getAttribute(socketPath, "unix:mode") & 0170000, "is a socket");
        try (var listing = Files.list(directory)) {
            assertEquals(List.of(socketPath), listing.toList(), "the private bind directory is gone");
        }
        server.close();
        assertFalse(Files.exists(socketPath, LinkOption.NOFOLLOW_LINKS), "close unlinks the socket");
        assertThrows(IOException.class, () -> attach("late"));
    }

    @Test
    void shouldReplaceAStaleSocketFileLeftByADeadManager() throws Exception {
        server.close();
        // What kill -9 leaves: a socket file that nobody listens on.
        try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            dead.bind(UnixDomainSocketAddress.of(socketPath));
        }
        assertTrue(Files.exists(socketPath, LinkOption.NOFOLLOW_LINKS), "the JDK leaves the file on close");
        server = ControlServer.start(ControlServerOptions.at(socketPath), handler);
        try (ControlClient client = attach("after-stale")) {
            assertEquals("ch-1", client.grant().channelName());
        }
    }

    @Test
    void shouldNotReplaceTheSocketOfALiveManager() throws Exception {
        FileAlreadyExistsException e = assertThrows(FileAlreadyExistsException.class,
                () -> ControlServer.start(ControlServerOptions.at(socketPath), new RecordingHandler()));
        assertTrue(e.getMessage().contains("live"), e.getMessage());
        try (ControlClient client = attach("still-served")) {
            assertEquals(server.manager(), client.manager(), "the first manager still serves");
        }
    }

    @Test
    void shouldNotReplaceAFileThatIsNotASocket() throws Exception {
        Path file = directory.resolve("data");
        Files.writeString(file, "precious");
        assertThrows(FileAlreadyExistsException.class,
                () -> ControlServer.start(ControlServerOptions.at(file), new RecordingHandler()));
        assertEquals("precious", Files.readString(file));
        try (var listing = Files.list(directory)) {
            assertEquals(2, listing.count(), "no private bind directory is left behind");
        }
    }

    // --------------------------------------------------------------------------------------------- conversation

    @Test
    void shouldAttachAndDetachWithBothIdentitiesRecorded() throws Exception {
        ControlClient client = attach("in-process");
        RecordingHandler.Attach attach = handler.nextAttach();
        assertEquals(ProcessIdentity.current(), attach.session().worker());
        assertEquals("in-process", attach.request().clientName());
        assertEquals(new AttachGrant("ch-1", 4096, 64), client.grant());
        assertEquals(attach.session().attachId(), client.attachId());
        assertEquals(ProcessIdentity.current(), client.manager());
        assertEquals(1, server.attachedCount());
        assertEquals(List.of(attach.session()), server.attachedSessions());

        client.detach(WAIT);
        RecordingHandler.Detach detach = handler.nextDetach();
        assertEquals(DetachReason.ORDERLY, detach.reason());
        assertEquals(attach.session(), detach.session());
        assertTrue(detach.session().endedAtNanos() != 0);
        awaitCondition(() -> server.attachedCount() == 0, "attached count returns to 0");
        assertEquals(List.of(), server.attachedSessions());
        assertNull(gone.poll(100, TimeUnit.MILLISECONDS), "an orderly detach is not a manager-gone event");
        assertEquals(0, server.protocolErrorCount());
    }

    @Test
    void shouldRefuseWhatTheHandlerRefusesWithItsCode() throws Exception {
        AttachRefusedException e = assertThrows(AttachRefusedException.class, () -> ControlClient.attach(socketPath,
                AttachRequest.fromCurrentProcess(3000, 64, "odd-pages"), gone::add, WAIT));
        assertEquals(RefusalCode.BAD_PAGE_SIZE, e.code());
        assertTrue(e.getMessage().contains("pageSizeBytes=3000"), e.getMessage());
        e = assertThrows(AttachRefusedException.class, () -> ControlClient.attach(socketPath,
                AttachRequest.fromCurrentProcess(4096, 100, "odd-ring"), gone::add, WAIT));
        assertEquals(RefusalCode.BAD_RING_CAPACITY, e.code());
        assertTrue(handler.detaches.isEmpty(), "a refused attach never ends a session");
        awaitCondition(() -> server.attachedCount() == 0, "nothing attached");
    }

    @Test
    void shouldRefuseTooManyWorkersAndAcceptAgainAfterADetach() throws Exception {
        server.close();
        server = ControlServer.start(ControlServerOptions.at(socketPath).withMaxWorkers(1), handler);
        ControlClient first = attach("first");
        long firstId = first.attachId();
        AttachRefusedException e = assertThrows(AttachRefusedException.class, () -> attach("second"));
        assertEquals(RefusalCode.TOO_MANY_WORKERS, e.code());
        first.detach(WAIT);
        awaitCondition(() -> server.attachedCount() == 0, "the first worker is gone");
        try (ControlClient third = attach("third")) {
            assertTrue(third.attachId() > firstId, "attach ids are never reused: " + third.attachId());
        }
    }

    @Test
    void shouldRefuseWithInternalErrorWhenTheHandlerThrowsAndKeepServing() throws Exception {
        server.close();
        AttachHandler failing = new RecordingHandler() {
            @Override
            public AttachDecision onAttach(ControlSession session, AttachRequest request) {
                if (request.clientName().equals("boom")) {
                    throw new IllegalStateException("no shared memory left");
                }
                return super.onAttach(session, request);
            }
        };
        server = ControlServer.start(ControlServerOptions.at(socketPath), failing);
        AttachRefusedException e = assertThrows(AttachRefusedException.class, () -> attach("boom"));
        assertEquals(RefusalCode.INTERNAL_ERROR, e.code());
        assertTrue(e.getMessage().contains("no shared memory left"), e.getMessage());
        try (ControlClient client = attach("fine")) {
            assertEquals("ch-2", client.grant().channelName(), "the refused attach consumed id 1; serving goes on");
        }
    }

    @Test
    void shouldEndSessionsWithServerClosedAndTellTheWorker() throws Exception {
        ControlClient client = attach("abandoned");
        handler.nextAttach();
        server.close();
        assertEquals(DetachReason.SERVER_CLOSED, handler.nextDetach().reason());
        ManagerGoneEvent event = gone.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertEquals(ManagerGoneEvent.Cause.CONNECTION_CLOSED, event.cause());
        assertEquals(client.attachId(), event.attachId());
        assertEquals("ch-1", event.channelName());
        assertTrue(client.isManagerGone());
        assertThrows(IOException.class, () -> client.detach(WAIT));
        client.close();
    }

    @Test
    void shouldFailAttachClearlyWhenNoManagerListens() {
        IOException e = assertThrows(IOException.class, () -> ControlClient.attach(directory.resolve("nobody.sock"),
                AttachRequest.fromCurrentProcess(4096, 64, "lonely"), gone::add, WAIT));
        assertTrue(e.getMessage().contains("nobody.sock"), e.getMessage());
    }

    // ----------------------------------------------------------------------------------------------- robustness

    @Test
    void shouldRefuseGarbageBytesAndKeepServing() throws Exception {
        try (RawPeer peer = RawPeer.connect(socketPath)) {
            peer.send(ByteBuffer.wrap("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
            Refusal refusal = refusalThenEof(peer);
            assertEquals(RefusalCode.PROTOCOL_ERROR, refusal.code());
            assertTrue(refusal.message().startsWith("BAD_MAGIC"), refusal.message());
        }
        assertServerStillServes(1);
    }

    @Test
    void shouldRefuseEveryMalformedHeaderWithItsProblemAndKeepServing() throws Exception {
        ByteBuffer oversized = ControlCodec.encode(new DetachRequest());
        oversized.putInt(ControlMessageDescriptor.BODY_LENGTH_OFFSET, ControlMessageDescriptor.BODY_LENGTH_MAX + 1);
        record Case(ByteBuffer frame, RefusalCode code, ProtocolProblem problem) {
        }
        List<Case> cases = List.of(
                new Case(ControlCodec.frame(ControlMessageDescriptor.MAGIC, 9, MessageType.ATTACH.code(),
                        ByteBuffer.allocate(0)), RefusalCode.BAD_VERSION, ProtocolProblem.BAD_VERSION),
                new Case(ControlCodec.frame(ControlMessageDescriptor.MAGIC, 1, 77, ByteBuffer.allocate(0)),
                        RefusalCode.PROTOCOL_ERROR, ProtocolProblem.UNKNOWN_TYPE),
                new Case(oversized, RefusalCode.PROTOCOL_ERROR, ProtocolProblem.OVERSIZED_LENGTH),
                new Case(ControlCodec.encode(new DetachRequest()), RefusalCode.PROTOCOL_ERROR,
                        ProtocolProblem.UNEXPECTED_MESSAGE),
                new Case(ControlCodec.frame(ControlMessageDescriptor.MAGIC, 1, MessageType.ATTACH.code(),
                        ByteBuffer.allocate(3)), RefusalCode.PROTOCOL_ERROR, ProtocolProblem.TRUNCATED));
        for (Case c : cases) {
            try (RawPeer peer = RawPeer.connect(socketPath)) {
                peer.send(c.frame());
                Refusal refusal = refusalThenEof(peer);
                assertEquals(c.code(), refusal.code(), refusal.message());
                assertTrue(refusal.message().startsWith(c.problem().name()), refusal.message());
            }
        }
        assertServerStillServes(cases.size());
    }

    @Test
    void shouldSurviveAClientThatConnectsSaysNothingAndLeaves() throws Exception {
        for (int i = 0; i < 5; i++) {
            RawPeer.connect(socketPath).close();
        }
        try (RawPeer halfFrame = RawPeer.connect(socketPath)) {
            ByteBuffer attach = ControlCodec.encode(AttachRequest.fromCurrentProcess(4096, 64, "half"));
            halfFrame.send(attach.limit(attach.limit() / 2));
        }
        awaitCondition(() -> server.pendingConnectionCount() == 0, "the server saw every connection close");
        assertTrue(handler.attaches.isEmpty() && handler.detaches.isEmpty(), "no session began or ended");
        assertServerStillServes(0);
    }

    @Test
    void shouldCloseAConnectionThatDoesNotAttachBeforeTheHandshakeTimeout() throws Exception {
        server.close();
        server = ControlServer.start(ControlServerOptions.at(socketPath)
                .withHandshakeTimeout(Duration.ofMillis(200)), handler);
        try (RawPeer silent = RawPeer.connect(socketPath)) {
            long startNanos = System.nanoTime();
            RawPeer.Received received = silent.readUntilEof(WAIT);
            long waitedMillis = (System.nanoTime() - startNanos) / 1_000_000;
            assertTrue(received.eof(), "the server hung up on the silent client");
            assertTrue(waitedMillis >= 150 && waitedMillis < 5_000, "closed after " + waitedMillis + " ms");
        }
        assertEquals(1, server.protocolErrorCount());
        assertServerStillServes(1);
    }

    @Test
    void shouldBoundConnectionsThatHaveNotAttached() throws Exception {
        server.close();
        server = ControlServer.start(ControlServerOptions.at(socketPath).withMaxPendingConnections(2), handler);
        try (RawPeer a = RawPeer.connect(socketPath); RawPeer b = RawPeer.connect(socketPath);
             RawPeer c = RawPeer.connect(socketPath)) {
            assertTrue(c.readUntilEof(WAIT).eof(), "the third pending connection is closed at once");
            assertFalse(a.readUntilEof(Duration.ofMillis(100)).eof(), "the first two are kept");
            assertEquals(2, server.pendingConnectionCount());
        }
        awaitCondition(() -> server.pendingConnectionCount() == 0, "the server saw the pending connections close");
        assertServerStillServes(0);
    }

    @Test
    void shouldEndAnAttachedSessionThatBreaksTheProtocol() throws Exception {
        try (RawPeer peer = RawPeer.connect(socketPath)) {
            peer.send(AttachRequest.fromCurrentProcess(4096, 64, "raw"));
            List<ControlMessage> replies = peer.read(WAIT, 1).messages();
            assertInstanceOf(AttachedReply.class, replies.getFirst());
            peer.send(AttachRequest.fromCurrentProcess(4096, 64, "again"));  // only DETACH may follow
            Refusal refusal = refusalThenEof(peer);
            assertTrue(refusal.message().startsWith("UNEXPECTED_MESSAGE"), refusal.message());
        }
        RecordingHandler.Detach detach = handler.nextDetach();
        assertEquals(DetachReason.PROTOCOL_ERROR, detach.reason());
        assertServerStillServes(1);
    }

    @Test
    void shouldReportPeerDiedWhenAnAttachedConnectionClosesWithoutDetach() throws Exception {
        RawPeer peer = RawPeer.connect(socketPath);
        peer.send(AttachRequest.fromCurrentProcess(4096, 64, "vanishing"));
        assertInstanceOf(AttachedReply.class, peer.read(WAIT, 1).messages().getFirst());
        peer.close();
        RecordingHandler.Detach detach = handler.nextDetach();
        assertEquals(DetachReason.PEER_DIED, detach.reason());
        assertTrue(detach.detail().contains("end of stream"), detach.detail());
        assertServerStillServes(0);
    }

    // ------------------------------------------------------------------------------------------------- helpers

    private static Refusal refusalThenEof(RawPeer peer) throws Exception {
        RawPeer.Received received = peer.readUntilEof(WAIT);
        assertTrue(received.eof(), "the server closed the connection");
        List<ControlMessage> messages = received.messages();
        assertEquals(1, messages.size(), "one REFUSED before the close: " + messages);
        return assertInstanceOf(Refusal.class, messages.getFirst());
    }

    private void assertServerStillServes(long expectedProtocolErrors) throws Exception {
        assertTrue(server.isRunning());
        try (ControlClient client = attach("after")) {
            assertTrue(client.grant().channelName().startsWith("ch-"));
        }
        assertEquals(expectedProtocolErrors, server.protocolErrorCount());
    }

    private static void awaitCondition(java.util.function.BooleanSupplier condition, String what)
            throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + WAIT + ": " + what);
            }
            Thread.sleep(5);
        }
    }
}

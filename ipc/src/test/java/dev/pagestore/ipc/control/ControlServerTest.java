package dev.pagestore.ipc.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.ipc.linux.Libc;
import dev.pagestore.ipc.linux.LibcFiles;
import dev.pagestore.ipc.linux.LibcProcesses;
import dev.pagestore.ipc.linux.ProcessIdentity;
import dev.pagestore.ipc.testing.ChildJvm;
import dev.pagestore.ipc.linux.MemfdRegion;
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
        handler.close();
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
            assertEquals(1, RecordingHandler.channelMark(client));
        }
    }

    @Test
    void shouldNotReplaceTheSocketOfALiveManager() throws Exception {
        FileAlreadyExistsException e = assertThrows(FileAlreadyExistsException.class,
                () -> ControlServer.start(ControlServerOptions.at(socketPath), handler));
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
                () -> ControlServer.start(ControlServerOptions.at(file), handler));
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
        assertEquals(ProcessIdentity.current().pid(), attach.session().worker().pid());
        assertEquals(ProcessHandle.current().pid(), attach.session().peer().pid());
        assertEquals(LibcProcesses.geteuid(), attach.session().peer().uid());
        assertEquals("in-process", attach.request().clientName());
        assertEquals(new AttachedReply(attach.session().attachId(), ProcessIdentity.current(), 4096, 64),
                client.attached());
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
    void shouldSendTheChannelAndTheReadOnlyStatusMemfdsWithTheGrant() throws Exception {
        try (ControlClient first = attach("first"); ControlClient second = attach("second")) {
            assertEquals(1, RecordingHandler.channelMark(first), "each worker gets its own channel");
            assertEquals(2, RecordingHandler.channelMark(second));
            assertThrows(IllegalStateException.class, first::takeChannelDescriptor, "a descriptor is taken once");
            int statusFd = first.takeStatusDescriptor();
            IOException writable = assertThrows(IOException.class,
                    () -> MemfdRegion.map(LibcFiles.fcntl(statusFd, LibcFiles.F_DUPFD_CLOEXEC, 0), "status", MemfdRegion.READ_ONLY_SEALS,
                            true));
            assertTrue(writable.getMessage().contains("mmap"), writable.getMessage());
            try (MemfdRegion status = MemfdRegion.map(statusFd, "status", MemfdRegion.READ_ONLY_SEALS, false)) {
                assertEquals(RecordingHandler.STATUS_MARK, status.segment().get(java.lang.foreign.ValueLayout.JAVA_LONG,
                        0));
            }
        }
    }

    @Test
    void shouldRecordTheKernelsPidAndNotTheOneAttachClaims() throws Exception {
        try (RawPeer peer = RawPeer.connect(socketPath)) {
            peer.send(new AttachRequest(new ProcessIdentity(1, 0), 4096, 64, "liar"));
            List<ControlMessage> replies = peer.read(WAIT, 1).messages();
            assertInstanceOf(AttachedReply.class, replies.getFirst());
            assertEquals(2, peer.descriptorsReceived(), "the channel and the status region came with ATTACHED");
            RecordingHandler.Attach attach = handler.nextAttach();
            assertEquals(1, attach.request().claimedWorker().pid(), "what it claimed is kept, for diagnostics");
            assertEquals(ProcessHandle.current().pid(), attach.session().worker().pid(), "who it is, per the kernel");
            assertEquals(ProcessIdentity.current().startTimeMillis(), attach.session().worker().startTimeMillis(),
                    "the start time is the kernel's too (/proc/PID/stat)");
        }
    }

    @Test
    void shouldCloseDescriptorsAPeerSendsAndRefuseIt() throws Exception {
        try (RawPeer peer = RawPeer.connect(socketPath);
             MemfdRegion sent = MemfdRegion.create("test-unwanted", 4096, MemfdRegion.SIZE_SEALS)) {
            peer.send(ControlCodec.encode(AttachRequest.fromCurrentProcess(4096, 64, "sender")), sent.descriptor());
            Refusal refusal = refusalThenEof(peer);
            assertEquals(RefusalCode.PROTOCOL_ERROR, refusal.code());
            assertTrue(refusal.message().contains("file descriptors"), refusal.message());
        }
        assertTrue(handler.attaches.isEmpty(), "the ATTACH that came with a descriptor was not served");
        assertServerStillServes(1);
    }

    @Test
    void shouldLetAToolObserveTheStatusRegionWithoutAChannel() throws Exception {
        try (ControlObserver observer = ControlObserver.observe(socketPath, "stat", WAIT)) {
            assertEquals(ProcessIdentity.current(), observer.manager());
            assertEquals(ProcessHandle.current().pid(), handler.observers.poll(10, TimeUnit.SECONDS).pid());
            try (MemfdRegion status = MemfdRegion.map(observer.takeStatusDescriptor(), "status",
                    MemfdRegion.READ_ONLY_SEALS, false)) {
                assertEquals(RecordingHandler.STATUS_MARK, status.segment().get(java.lang.foreign.ValueLayout.JAVA_LONG,
                        0));
            }
            assertEquals(1, server.observerCount());
            assertEquals(0, server.attachedCount(), "an observer is not a worker");
            assertTrue(handler.attaches.isEmpty());
        }
        awaitCondition(() -> server.observerCount() == 0, "the observer's close is seen");
    }

    @Test
    void shouldKeepABoundedNumberOfObserversClosingTheOldest() throws Exception {
        server.close();
        server = ControlServer.start(ControlServerOptions.at(socketPath).withMaxObservers(2), handler);
        try (RawPeer a = RawPeer.connect(socketPath); RawPeer b = RawPeer.connect(socketPath);
             RawPeer c = RawPeer.connect(socketPath)) {
            for (RawPeer peer : List.of(a, b, c)) {
                peer.send(new ObserveRequest("tool"));
                assertInstanceOf(ObservedReply.class, peer.read(WAIT, 1).messages().getFirst());
                assertEquals(1, peer.descriptorsReceived());
            }
            assertTrue(a.readUntilEof(WAIT).eof(), "the oldest observer makes room");
            assertFalse(c.readUntilEof(Duration.ofMillis(100)).eof(), "the newest is kept");
            assertEquals(2, server.observerCount());
        }
    }

    @Test
    void shouldRefuseWhatTheHandlerRefusesWithItsCode() throws Exception {
        AttachRefusedException e = assertThrows(AttachRefusedException.class, () -> ControlClient.attach(socketPath,
                AttachRequest.fromCurrentProcess(3000, 64, "odd-pages"), gone::add, WAIT));
        assertEquals(0, handler.channels.size(), "no channel was made for a refused attach");
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
    void shouldCapTheAttachmentsOfOneProcessWhileAnotherProcessStillAttaches() throws Exception {
        server.close();
        server = ControlServer.start(ControlServerOptions.at(socketPath).withMaxWorkersPerProcess(2), handler);
        ControlClient first = attach("first");
        try (ControlClient second = attach("second")) {
            AttachRefusedException refused = assertThrows(AttachRefusedException.class, () -> attach("third"));
            assertEquals(RefusalCode.TOO_MANY_WORKERS, refused.code());
            assertTrue(refused.getMessage().contains("maxWorkersPerProcess=2"), refused.getMessage());
            try (ChildJvm other = ChildJvm.start(
                    ControlWorkerMain.class, socketPath.toString(), "other-process")) {
                String line = other.awaitLine(WAIT);
                assertTrue(line != null && line.startsWith("ATTACHED"), "another process attaches: " + line);
            }
            first.detach(WAIT);
            awaitCondition(() -> server.attachedCount() <= 1, "the first attachment is gone");
            attach("fourth").close();
        }
    }

    @Test
    void shouldRefuseWithInternalErrorWhenTheHandlerThrowsAndKeepServing() throws Exception {
        server.close();
        RecordingHandler failing = new RecordingHandler() {
            @Override
            public AttachDecision onAttach(ControlSession session, AttachRequest request) throws Exception {
                switch (request.clientName()) {
                    case "boom" -> throw new IllegalStateException("no shared memory left");
                    // An Error while preparing a channel (issue 14: "Errors included") costs that attach only.
                    case "error" -> throw new InternalError("a fault in a memory access");
                    case "oom" -> throw new OutOfMemoryError("simulated: Java heap space");
                    default -> {
                        return super.onAttach(session, request);
                    }
                }
            }
        };
        try {
            server = ControlServer.start(ControlServerOptions.at(socketPath), failing);
            AttachRefusedException e = assertThrows(AttachRefusedException.class, () -> attach("boom"));
            assertEquals(RefusalCode.INTERNAL_ERROR, e.code());
            assertTrue(e.getMessage().contains("no shared memory left"), e.getMessage());
            e = assertThrows(AttachRefusedException.class, () -> attach("error"));
            assertEquals(RefusalCode.INTERNAL_ERROR, e.code());
            assertTrue(e.getMessage().contains("a fault in a memory access"), e.getMessage());
            e = assertThrows(AttachRefusedException.class, () -> attach("oom"));
            assertEquals(RefusalCode.INTERNAL_ERROR, e.code());
            assertTrue(server.isRunning(), "the control thread survived all three");
            try (ControlClient client = attach("fine")) {
                assertEquals(4, RecordingHandler.channelMark(client), "refused attaches consumed ids 1-3");
            }
            assertTrue(failing.detaches.stream().noneMatch(d -> d.session().attachId() < 4),
                    "a refused attach never ends a session");
        } finally {
            server.close();
            failing.close();
        }
    }

    @Test
    void shouldCloseEverythingAndTellTheOwnerWhenTheControlThreadDies() throws Exception {
        server.close();
        java.util.Set<String> before = eventFds();
        java.util.concurrent.CompletableFuture<Throwable> failure = new java.util.concurrent.CompletableFuture<>();
        server = ControlServer.start(ControlServerOptions.at(socketPath), handler, failure::complete);
        ControlClient client = attach("witness");
        java.util.Set<String> ours = eventFds();
        ours.removeAll(before);
        assertEquals(1, ours.size(), "the server's wake-up eventfd: " + ours);
        // Make the control thread's own wake-up descriptor fail under it (a directory: poll says readable, read
        // says EISDIR), a failure no connection can be blamed for.
        int directory = (int) Libc.check(LibcFiles.open("/", LibcFiles.O_RDONLY | LibcFiles.O_DIRECTORY | LibcFiles.O_CLOEXEC, 0),
                "open", "/");
        try {
            Libc.check(LibcFiles.dup3(directory, Integer.parseInt(ours.iterator().next()), LibcFiles.O_CLOEXEC), "dup3", "");
        } finally {
            LibcFiles.close(directory);
        }
        RawPeer.connect(socketPath).close();  // wakes the loop, which polls the replaced descriptor next
        Throwable cause = failure.get(10, TimeUnit.SECONDS);
        assertTrue(cause.getMessage().contains("EISDIR"), cause.toString());
        assertFalse(server.isRunning());
        assertFalse(Files.exists(socketPath, LinkOption.NOFOLLOW_LINKS), "the socket is gone: nobody can attach");
        assertEquals(DetachReason.SERVER_CLOSED, handler.nextDetach().reason(), "attached sessions were ended");
        assertEquals(ManagerGoneEvent.Cause.CONNECTION_CLOSED, gone.poll(10, TimeUnit.SECONDS).cause());
        client.close();
    }

    private static java.util.Set<String> eventFds() throws IOException {
        java.util.Set<String> fds = new java.util.HashSet<>();
        try (var listing = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : listing.toList()) {
                try {
                    if (Files.readSymbolicLink(fd).toString().equals("anon_inode:[eventfd]")) {
                        fds.add(fd.getFileName().toString());
                    }
                } catch (IOException e) {
                    // closed meanwhile
                }
            }
        }
        return fds;
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
                new Case(ControlCodec.frame(ControlMessageDescriptor.MAGIC, 1, MessageType.ATTACH.code(),
                        ByteBuffer.allocate(0)), RefusalCode.BAD_VERSION, ProtocolProblem.BAD_VERSION),
                new Case(ControlCodec.frame(ControlMessageDescriptor.MAGIC, ControlMessageDescriptor.VERSION, 77,
                        ByteBuffer.allocate(0)),
                        RefusalCode.PROTOCOL_ERROR, ProtocolProblem.UNKNOWN_TYPE),
                new Case(oversized, RefusalCode.PROTOCOL_ERROR, ProtocolProblem.OVERSIZED_LENGTH),
                new Case(ControlCodec.encode(new DetachRequest()), RefusalCode.PROTOCOL_ERROR,
                        ProtocolProblem.UNEXPECTED_MESSAGE),
                new Case(ControlCodec.frame(ControlMessageDescriptor.MAGIC, ControlMessageDescriptor.VERSION,
                        MessageType.ATTACH.code(), ByteBuffer.allocate(3)), RefusalCode.PROTOCOL_ERROR,
                        ProtocolProblem.TRUNCATED));
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
    void shouldServeAnAttachThatArrivedInTimeWhileTheServerWasBusyPastItsDeadline() throws Exception {
        // The control thread is held up in one attach for longer than another connection's handshake timeout (as a
        // thread starved by dozens of JVMs starting on two cores is); that connection's ATTACH came in time.
        server.close();
        java.util.concurrent.CountDownLatch inFirstAttach = new java.util.concurrent.CountDownLatch(1);
        AttachHandler busy = new AttachHandler() {
            @Override
            public AttachDecision onAttach(ControlSession session, AttachRequest request) throws Exception {
                if (request.clientName().equals("first")) {
                    inFirstAttach.countDown();
                    Thread.sleep(1_500);
                }
                return handler.onAttach(session, request);
            }

            @Override
            public void onDetach(ControlSession session, DetachReason reason, String detail) {
                handler.onDetach(session, reason, detail);
            }

            @Override
            public ObserveDecision onObserve(ProcessIdentity observer, ObserveRequest request) {
                return handler.onObserve(observer, request);
            }
        };
        server = ControlServer.start(ControlServerOptions.at(socketPath)
                .withHandshakeTimeout(Duration.ofMillis(500)), busy);
        try (RawPeer first = RawPeer.connect(socketPath); RawPeer second = RawPeer.connect(socketPath)) {
            awaitCondition(() -> server.pendingConnectionCount() == 2, "both connections are accepted");
            first.send(AttachRequest.fromCurrentProcess(4096, 64, "first"));
            assertTrue(inFirstAttach.await(WAIT.toMillis(), TimeUnit.MILLISECONDS), "the first attach is served");
            second.send(AttachRequest.fromCurrentProcess(4096, 64, "second"));  // well before its deadline
            assertInstanceOf(AttachedReply.class, first.read(WAIT, 1).messages().getFirst());
            List<ControlMessage> replies = second.read(WAIT, 1).messages();
            assertInstanceOf(AttachedReply.class, replies.getFirst(), "an ATTACH that came in time: " + replies);
        }
        assertEquals(0, server.protocolErrorCount());
    }

    @Test
    void shouldLetAProcessAtItsPendingCapReplaceItsOwnOldestConnection() throws Exception {
        server.close();
        server = ControlServer.start(ControlServerOptions.at(socketPath).withMaxPendingPerProcess(2), handler);
        try (RawPeer a = RawPeer.connect(socketPath); RawPeer b = RawPeer.connect(socketPath)) {
            awaitCondition(() -> server.pendingConnectionCount() == 2, "two idle connections are pending");
            try (RawPeer c = RawPeer.connect(socketPath)) {
                assertTrue(a.readUntilEof(WAIT).eof(), "the process's oldest idle connection makes room");
                assertFalse(c.readUntilEof(Duration.ofMillis(100)).eof(), "its newcomer is kept");
                assertFalse(b.readUntilEof(Duration.ofMillis(10)).eof());
                assertEquals(2, server.pendingConnectionCount());
                assertEquals(1, server.evictedConnectionCount());
                // A connection that attaches at once gets its grant, though this process's slots were all taken.
                try (ControlClient client = attach("newcomer")) {
                    assertTrue(b.readUntilEof(WAIT).eof(), "the oldest idler made room for it");
                    assertTrue(client.attachId() > 0);
                }
            }
        }
        awaitCondition(() -> server.pendingConnectionCount() == 0, "the server saw the pending connections close");
        assertServerStillServes(2);
    }

    @Test
    void shouldEvictTheOldestPendingConnectionOfAnotherProcessWhenAllAreTaken() throws Exception {
        server.close();
        server = ControlServer.start(ControlServerOptions.at(socketPath).withMaxPendingConnections(4)
                .withMaxPendingPerProcess(3), handler);
        try (ChildJvm idler = ChildJvm.start(IdleConnectionsMain.class, socketPath.toString(), "3", "0")) {
            assertEquals("HELD 3", idler.awaitLine(Duration.ofSeconds(60)));
            awaitCondition(() -> server.pendingConnectionCount() == 3, "the other process's three are pending");
            try (RawPeer mine = RawPeer.connect(socketPath)) {
                awaitCondition(() -> server.pendingConnectionCount() == 4, "all four pending slots are taken");
                try (ControlClient client = attach("newcomer")) {
                    assertEquals("CLOSED 0", idler.awaitLine(WAIT), "the oldest of all made room");
                    assertEquals(1, server.evictedConnectionCount());
                    assertFalse(mine.readUntilEof(Duration.ofMillis(50)).eof(), "a younger idler is kept");
                    assertTrue(client.attachId() > 0);
                }
            }
        }
    }

    @Test
    void shouldCloseADribblingConnectionAtItsHandshakeDeadline() throws Exception {
        server.close();
        server = ControlServer.start(ControlServerOptions.at(socketPath)
                .withHandshakeTimeout(Duration.ofMillis(300)), handler);
        ByteBuffer attach = ControlCodec.encode(AttachRequest.fromCurrentProcess(4096, 64, "slow"));
        try (RawPeer slow = RawPeer.connect(socketPath)) {
            long startNanos = System.nanoTime();
            boolean closed = false;
            for (int i = 0; i < attach.limit() - 1 && !closed; i++) {
                slow.send(attach.slice(i, 1));  // a byte every 50 ms: the deadline counts from the accept
                closed = slow.readUntilEof(Duration.ofMillis(50)).eof();
            }
            closed = closed || slow.readUntilEof(WAIT).eof();
            long tookMillis = (System.nanoTime() - startNanos) / 1_000_000;
            assertTrue(closed && tookMillis < 3_000, "closed after " + tookMillis + " ms");
        }
        assertTrue(handler.attaches.isEmpty());
        assertServerStillServes(1);
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
            assertEquals(client.attachId(), RecordingHandler.channelMark(client));
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

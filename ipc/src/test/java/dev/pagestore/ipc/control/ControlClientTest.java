package dev.pagestore.ipc.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.ipc.linux.MemfdRegion;
import dev.pagestore.ipc.linux.ProcessIdentity;
import dev.pagestore.ipc.linux.UnixListener;
import dev.pagestore.ipc.linux.UnixSocket;
import dev.pagestore.ipc.linux.UnixSocketAddress;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The worker-side client against a scripted fake manager: it validates what the manager sends, too. */
class ControlClientTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final ProcessIdentity FAKE_MANAGER = new ProcessIdentity(1, 0);

    @TempDir
    Path directory;

    private Path socketPath;
    private UnixListener fakeManager;
    private MemfdRegion channel;
    private MemfdRegion status;
    private final BlockingQueue<ManagerGoneEvent> gone = new LinkedBlockingQueue<>();

    @BeforeEach
    void listen() throws IOException {
        socketPath = directory.resolve("fake.sock");
        fakeManager = UnixListener.bind(UnixSocketAddress.ofPath(socketPath), 8);
        channel = MemfdRegion.create("fake-channel", 4096, MemfdRegion.SIZE_SEALS);
        status = MemfdRegion.create("fake-status", 4096, MemfdRegion.READ_ONLY_SEALS);
    }

    @AfterEach
    void close() {
        fakeManager.close();
        channel.close();
        status.close();
    }

    private CompletableFuture<ControlClient> attachAsync(Duration timeout) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return ControlClient.attach(socketPath, AttachRequest.fromCurrentProcess(4096, 64, "client-test"),
                        gone::add, timeout);
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
    }

    /** Accepts the client and reads its ATTACH. */
    private UnixSocket acceptAttach() throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        UnixSocket peer;
        while ((peer = fakeManager.accept()) == null) {
            assertTrue(System.nanoTime() < deadline, "no client connected");
            Thread.sleep(2);
        }
        assertInstanceOf(AttachRequest.class, readFrame(peer));
        return peer;
    }

    private static AttachedReply attached() {
        return new AttachedReply(7, FAKE_MANAGER, 4096, 64);
    }

    private static void write(UnixSocket peer, ByteBuffer frame, int... descriptors) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment bytes = arena.allocate(frame.remaining());
            MemorySegment.copy(MemorySegment.ofBuffer(frame), 0, bytes, 0, frame.remaining());
            assertEquals(bytes.byteSize(), peer.send(bytes, bytes.byteSize(), true, descriptors));
        }
    }

    private void writeAttached(UnixSocket peer) throws IOException {
        write(peer, ControlCodec.encode(attached()), channel.descriptor(), status.descriptor());
    }

    private static boolean endOfStream(UnixSocket peer) throws IOException {
        if (!peer.awaitReadable((int) WAIT.toMillis())) {
            return false;
        }
        try (Arena arena = Arena.ofConfined()) {
            return peer.receive(arena.allocate(16), 16, false).bytes() == 0;
        }
    }

    private static IOException attachFailure(CompletableFuture<ControlClient> attach) throws Exception {
        ExecutionException e = assertThrows(ExecutionException.class, () -> attach.get(WAIT.toSeconds(),
                TimeUnit.SECONDS));
        return assertInstanceOf(IOException.class, e.getCause().getCause());
    }

    @Test
    void shouldFailAttachWhenTheManagerAnswersGarbage() throws Exception {
        CompletableFuture<ControlClient> attach = attachAsync(WAIT);
        try (UnixSocket peer = acceptAttach()) {
            write(peer, ByteBuffer.wrap("HTTP/1.1 400 Bad Request\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
            IOException e = attachFailure(attach);
            assertTrue(e.getMessage().contains("BAD_MAGIC"), e.getMessage());
        }
        assertNull(gone.poll(), "no event for an attach that never completed");
    }

    @Test
    void shouldFailAttachWhenTheGrantHasAnInvalidField() throws Exception {
        CompletableFuture<ControlClient> attach = attachAsync(WAIT);
        try (UnixSocket peer = acceptAttach()) {
            ByteBuffer frame = ControlCodec.encode(attached());
            frame.putInt(ControlMessageDescriptor.HEADER_LENGTH + ControlMessageDescriptor.ATTACHED_PAGE_SIZE_OFFSET,
                    5000);
            write(peer, frame, channel.descriptor(), status.descriptor());
            IOException e = attachFailure(attach);
            assertTrue(e.getMessage().contains("BAD_FIELD") && e.getMessage().contains("pageSizeBytes=5000"),
                    e.getMessage());
        }
    }

    @Test
    void shouldTimeOutWhenTheManagerNeverAnswers() throws Exception {
        long startNanos = System.nanoTime();
        CompletableFuture<ControlClient> attach = attachAsync(Duration.ofMillis(300));
        try (UnixSocket peer = acceptAttach()) {
            IOException e = attachFailure(attach);
            assertTrue(e.getMessage().contains("did not answer ATTACH within"), e.getMessage());
            assertTrue(System.nanoTime() - startNanos >= TimeUnit.MILLISECONDS.toNanos(300));
            assertTrue(endOfStream(peer), "the client hung up after its timeout");
        }
    }

    @Test
    void shouldNotHangWhenTheManagerStopsAcceptingConnections() throws Exception {
        fakeManager.close();
        java.nio.file.Files.delete(socketPath);
        fakeManager = UnixListener.bind(UnixSocketAddress.ofPath(socketPath), 1);  // never accepts: backlog fills
        for (int attempt = 0; attempt < 4; attempt++) {
            long startNanos = System.nanoTime();
            IOException e = assertThrows(IOException.class, () -> ControlClient.attach(socketPath,
                    AttachRequest.fromCurrentProcess(4096, 64, "queued"), gone::add, Duration.ofMillis(300)));
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
            assertTrue(tookMillis < 5_000, "attempt " + attempt + " took " + tookMillis + " ms: " + e.getMessage());
        }
    }

    @Test
    void shouldFailAttachWhenTheManagerHangsUpBeforeAnswering() throws Exception {
        CompletableFuture<ControlClient> attach = attachAsync(WAIT);
        acceptAttach().close();
        IOException e = attachFailure(attach);
        assertTrue(e.getMessage().contains("end of stream"), e.getMessage());
        assertTrue(e.getMessage().contains("before the manager answered") && e.getMessage().contains("handshake"),
                "names why a manager hangs up on an attach: " + e.getMessage());
    }

    @Test
    void shouldReportAProtocolErrorFromAnAttachedManagerAndHangUp() throws Exception {
        CompletableFuture<ControlClient> attach = attachAsync(WAIT);
        try (UnixSocket peer = acceptAttach()) {
            writeAttached(peer);
            ControlClient client = attach.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertEquals(7, client.attachId());
            assertEquals(FAKE_MANAGER, client.manager());
            writeAttached(peer);  // a second ATTACHED is out of order
            ManagerGoneEvent event = gone.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertEquals(ManagerGoneEvent.Cause.PROTOCOL_ERROR, event.cause());
            assertTrue(event.detail().startsWith("UNEXPECTED_MESSAGE"), event.detail());
            assertEquals(7, event.attachId());
            assertTrue(endOfStream(peer), "the client hung up");
            client.close();
        }
    }

    @Test
    void shouldDetachOnCloseWithoutAnEvent() throws Exception {
        CompletableFuture<ControlClient> attach = attachAsync(WAIT);
        try (UnixSocket peer = acceptAttach()) {
            writeAttached(peer);
            ControlClient client = attach.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            CompletableFuture<Void> closing = CompletableFuture.runAsync(client::close);
            assertInstanceOf(DetachRequest.class, readFrame(peer));
            write(peer, ControlCodec.encode(new DetachedReply()));
            peer.close();
            closing.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }
        assertNull(gone.poll(100, TimeUnit.MILLISECONDS), "close is not a manager-gone event");
    }

    @Test
    void shouldHandOverTheTwoDescriptorsOfTheGrantOnce() throws Exception {
        CompletableFuture<ControlClient> attach = attachAsync(WAIT);
        try (UnixSocket peer = acceptAttach()) {
            channel.segment().set(ValueLayout.JAVA_LONG, 0, 1234);
            writeAttached(peer);
            try (ControlClient client = attach.get(WAIT.toSeconds(), TimeUnit.SECONDS);
                 MemfdRegion received = MemfdRegion.map(client.takeChannelDescriptor(), "channel",
                         MemfdRegion.SIZE_SEALS, true)) {
                assertEquals(1234, received.segment().get(ValueLayout.JAVA_LONG, 0));
                assertThrows(IllegalStateException.class, client::takeChannelDescriptor);
                CompletableFuture.runAsync(() -> {
                    try {
                        readFrame(peer);
                        write(peer, ControlCodec.encode(new DetachedReply()));
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                });
                // The status descriptor was not taken: the client closes it.
            }
        }
    }

    @Test
    void shouldRefuseAGrantWithoutItsDescriptorsAndCloseWhatCame() throws Exception {
        CompletableFuture<ControlClient> attach = attachAsync(WAIT);
        try (UnixSocket peer = acceptAttach()) {
            write(peer, ControlCodec.encode(attached()), channel.descriptor());  // one of the two
            IOException e = attachFailure(attach);
            assertTrue(e.getMessage().contains("ATTACHED came with 1 descriptors, expected 2"), e.getMessage());
        }
        assertNull(gone.poll(), "no event for an attach that never completed");
    }

    private static ControlMessage readFrame(UnixSocket peer) throws IOException {
        FrameReader.Frame frame = new FrameReader(peer).read(System.nanoTime() + WAIT.toNanos());
        if (frame == null) {
            throw new IOException("end of stream");
        }
        assertEquals(0, frame.descriptors().length, "a worker sends no descriptors");
        return frame.message();
    }
}

package dev.pagestore.ipc.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
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
    private ServerSocketChannel fakeManager;
    private final BlockingQueue<ManagerGoneEvent> gone = new LinkedBlockingQueue<>();

    @BeforeEach
    void listen() throws IOException {
        socketPath = directory.resolve("fake.sock");
        fakeManager = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        fakeManager.bind(UnixDomainSocketAddress.of(socketPath));
    }

    @AfterEach
    void close() throws IOException {
        fakeManager.close();
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
    private SocketChannel acceptAttach() throws IOException {
        SocketChannel peer = fakeManager.accept();
        assertInstanceOf(AttachRequest.class, readFrame(peer));
        return peer;
    }

    private static AttachedReply attached() {
        return new AttachedReply(7, FAKE_MANAGER, new AttachGrant("ch-7", 4096, 64));
    }

    private static IOException attachFailure(CompletableFuture<ControlClient> attach) throws Exception {
        ExecutionException e = assertThrows(ExecutionException.class, () -> attach.get(WAIT.toSeconds(),
                TimeUnit.SECONDS));
        return assertInstanceOf(IOException.class, e.getCause().getCause());
    }

    @Test
    void shouldFailAttachWhenTheManagerAnswersGarbage() throws Exception {
        CompletableFuture<ControlClient> attach = attachAsync(WAIT);
        try (SocketChannel peer = acceptAttach()) {
            peer.write(ByteBuffer.wrap("HTTP/1.1 400 Bad Request\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
            IOException e = attachFailure(attach);
            assertTrue(e.getMessage().contains("BAD_MAGIC"), e.getMessage());
        }
        assertNull(gone.poll(), "no event for an attach that never completed");
    }

    @Test
    void shouldFailAttachWhenTheGrantHasAnInvalidField() throws Exception {
        CompletableFuture<ControlClient> attach = attachAsync(WAIT);
        try (SocketChannel peer = acceptAttach()) {
            ByteBuffer frame = ControlCodec.encode(attached());
            frame.putInt(ControlMessageDescriptor.HEADER_LENGTH + ControlMessageDescriptor.ATTACHED_PAGE_SIZE_OFFSET,
                    5000);
            peer.write(frame);
            IOException e = attachFailure(attach);
            assertTrue(e.getMessage().contains("BAD_FIELD") && e.getMessage().contains("pageSizeBytes=5000"),
                    e.getMessage());
        }
    }

    @Test
    void shouldTimeOutWhenTheManagerNeverAnswers() throws Exception {
        long startNanos = System.nanoTime();
        CompletableFuture<ControlClient> attach = attachAsync(Duration.ofMillis(300));
        try (SocketChannel peer = acceptAttach()) {
            IOException e = attachFailure(attach);
            assertTrue(e.getMessage().contains("did not answer ATTACH within"), e.getMessage());
            assertTrue(System.nanoTime() - startNanos >= TimeUnit.MILLISECONDS.toNanos(300));
            assertEquals(-1, peer.read(ByteBuffer.allocate(16)), "the client hung up after its timeout");
        }
    }

    @Test
    void shouldNotHangWhenTheManagerStopsAcceptingConnections() throws Exception {
        fakeManager.close();
        fakeManager = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        java.nio.file.Files.delete(socketPath);
        fakeManager.bind(UnixDomainSocketAddress.of(socketPath), 1);  // never accepts: the backlog fills up
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
    }

    @Test
    void shouldReportAProtocolErrorFromAnAttachedManagerAndHangUp() throws Exception {
        CompletableFuture<ControlClient> attach = attachAsync(WAIT);
        try (SocketChannel peer = acceptAttach()) {
            peer.write(ControlCodec.encode(attached()));
            ControlClient client = attach.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertEquals(7, client.attachId());
            assertEquals(FAKE_MANAGER, client.manager());
            peer.write(ControlCodec.encode(attached()));  // a second ATTACHED is out of order
            ManagerGoneEvent event = gone.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertEquals(ManagerGoneEvent.Cause.PROTOCOL_ERROR, event.cause());
            assertTrue(event.detail().startsWith("UNEXPECTED_MESSAGE"), event.detail());
            assertEquals("ch-7", event.channelName());
            assertEquals(-1, peer.read(ByteBuffer.allocate(16)), "the client hung up");
            client.close();
        }
    }

    @Test
    void shouldDetachOnCloseWithoutAnEvent() throws Exception {
        CompletableFuture<ControlClient> attach = attachAsync(WAIT);
        try (SocketChannel peer = acceptAttach()) {
            peer.write(ControlCodec.encode(attached()));
            ControlClient client = attach.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            CompletableFuture<Void> closing = CompletableFuture.runAsync(client::close);
            assertInstanceOf(DetachRequest.class, readFrame(peer));
            peer.write(ControlCodec.encode(new DetachedReply()));
            peer.close();
            closing.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }
        assertNull(gone.poll(100, TimeUnit.MILLISECONDS), "close is not a manager-gone event");
    }

    private static ControlMessage readFrame(SocketChannel peer) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(ControlMessageDescriptor.HEADER_LENGTH);
        readFully(peer, header);
        header.flip();
        ControlCodec.Header checked = ControlCodec.decodeHeader(header);
        ByteBuffer body = ByteBuffer.allocate(checked.bodyLength());
        readFully(peer, body);
        body.flip();
        return ControlCodec.decodeBody(checked.type(), body);
    }

    private static void readFully(SocketChannel peer, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            if (peer.read(buffer) < 0) {
                throw new IOException("end of stream");
            }
        }
    }
}

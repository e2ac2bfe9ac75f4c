package dev.pagestore.ipc.linux;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link UnixSocket} and {@link UnixListener}: descriptors, credentials, waking a blocked reader, errors. */
class UnixSocketTest {
    @TempDir
    Path directory;

    @Test
    void shouldPassADescriptorWithTheFirstByte() throws Exception {
        UnixSocket[] pair = UnixSocket.pair();
        try (UnixSocket a = pair[0]; UnixSocket b = pair[1]; Arena arena = Arena.ofConfined();
             MemfdRegion memory = MemfdRegion.create("test-pass", 4096, MemfdRegion.SIZE_SEALS)) {
            MemorySegment out = arena.allocateFrom(JAVA_BYTE, new byte[] {1, 2, 3, 4});
            assertEquals(4, a.send(out, 4, true, memory.descriptor()));
            MemorySegment in = arena.allocate(16);
            UnixSocket.Received first = b.receive(in, 2, true);
            assertEquals(2, first.bytes());
            assertEquals(1, first.descriptors().length);
            assertFalse(first.descriptorsTruncated());
            UnixSocket.Received rest = b.receive(in.asSlice(2), 14, true);
            assertEquals(2, rest.bytes());
            assertEquals(0, rest.descriptors().length, "the descriptor came once, with the first byte");
            assertArrayEquals(new byte[] {1, 2, 3, 4}, in.asSlice(0, 4).toArray(JAVA_BYTE));
            try (MemfdRegion received = MemfdRegion.map(first.descriptors()[0], "received", MemfdRegion.SIZE_SEALS,
                    true)) {
                memory.segment().set(JAVA_BYTE, 5, (byte) 77);
                assertEquals(77, received.segment().get(JAVA_BYTE, 5));
            }
            assertEquals(UnixSocket.WOULD_BLOCK, b.receive(in, 16, false).bytes(), "nothing more, no wait");
        }
    }

    @Test
    void shouldWakeABlockedReaderWhenClosedFromAnotherThread() throws Exception {
        UnixSocket[] pair = UnixSocket.pair();
        try (UnixSocket peer = pair[1]) {
            UnixSocket reader = pair[0];
            CompletableFuture<Long> read = CompletableFuture.supplyAsync(() -> {
                try (Arena arena = Arena.ofConfined()) {
                    return reader.receive(arena.allocate(8), 8, true).bytes();
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            Thread.sleep(100);
            assertFalse(read.isDone(), "the reader is blocked");
            reader.close();
            assertEquals(0, read.get(10, TimeUnit.SECONDS), "woken with end of stream");
            try (Arena arena = Arena.ofConfined()) {
                assertThrows(ClosedChannelException.class, () -> reader.receive(arena.allocate(8), 8, true));
                assertEquals(0, peer.receive(arena.allocate(8), 8, true).bytes(), "the peer sees end of stream");
            }
            reader.close();  // idempotent
        }
    }

    @Test
    void shouldConnectAcceptAndReportTheKernelsCredentials() throws Exception {
        UnixSocketAddress address = UnixSocketAddress.ofPath(directory.resolve("s"));
        try (UnixListener listener = UnixListener.bind(address, 4)) {
            assertNull(listener.accept(), "nothing pending");
            try (UnixSocket client = UnixSocket.connect(address, Duration.ofSeconds(5));
                 UnixSocket server = listener.accept()) {
                PeerCredentials peer = server.peerCredentials();
                assertEquals(ProcessHandle.current().pid(), peer.pid());
                assertEquals(LibcProcesses.geteuid(), peer.uid());
                assertEquals(ProcessHandle.current().pid(), client.peerCredentials().pid());
                assertFalse(server.awaitReadable(10));
            }
        }
        ErrnoException refused = assertThrows(ErrnoException.class,
                () -> UnixSocket.connect(address, Duration.ofSeconds(1)));
        assertTrue(refused.errno() == Errno.ECONNREFUSED, refused.getMessage());
    }
}

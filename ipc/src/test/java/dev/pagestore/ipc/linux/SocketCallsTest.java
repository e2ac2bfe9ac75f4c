package dev.pagestore.ipc.linux;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The raw socket, memfd and seal bindings behave as their man pages say (the higher layers build on them). */
class SocketCallsTest {

    @Test
    void shouldPassDescriptorAndReportKernelCredentials() throws Exception {
        Path directory = Files.createTempDirectory("pagestore-socketcalls");
        UnixSocketAddress address = UnixSocketAddress.ofPath(directory.resolve("s"));
        int listener = (int) Libc.check(Libc.socket(Libc.AF_UNIX, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC, 0), "socket", "");
        int client = (int) Libc.check(Libc.socket(Libc.AF_UNIX, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC, 0), "socket", "");
        int memfd = (int) Libc.check(Libc.memfdCreate("test", Libc.MFD_CLOEXEC | Libc.MFD_ALLOW_SEALING), "memfd", "");
        int server = -1;
        int received = -1;
        try (Arena arena = Arena.ofConfined()) {
            Libc.check(Libc.bind(listener, address.allocate(arena), address.length()), "bind", address.toString());
            Libc.check(Libc.listen(listener, 4), "listen", "");
            Libc.check(Libc.connect(client, address.allocate(arena), address.length()), "connect", "");
            server = (int) Libc.check(Libc.accept4(listener, Libc.SOCK_CLOEXEC), "accept4", "");

            PeerCredentials peer = PeerCredentials.of(server);
            assertEquals(ProcessHandle.current().pid(), peer.pid());
            assertEquals(Libc.getuid(), peer.uid());

            Libc.check(Libc.ftruncate(memfd, 4096), "ftruncate", "");
            Libc.check(Libc.fcntl(memfd, Libc.F_ADD_SEALS, Libc.F_SEAL_SHRINK | Libc.F_SEAL_GROW | Libc.F_SEAL_SEAL),
                    "fcntl", "");
            MemorySegment data = arena.allocateFrom(JAVA_BYTE, new byte[] {1, 2, 3});
            MessageHeader send = MessageHeader.allocate(arena, data, 2);
            send.descriptors(memfd);
            assertEquals(3, Libc.check(Libc.sendmsg(client, send.segment(), Libc.MSG_NOSIGNAL), "sendmsg", ""));

            MemorySegment in = arena.allocate(16);
            MessageHeader receive = MessageHeader.allocate(arena, in, 2);
            assertEquals(3, Libc.check(Libc.recvmsg(server, receive.segment(), Libc.MSG_CMSG_CLOEXEC), "recvmsg", ""));
            int[] fds = receive.receivedDescriptors();
            assertEquals(1, fds.length);
            received = fds[0];
            assertArrayEquals(new byte[] {1, 2, 3}, in.asSlice(0, 3).toArray(JAVA_BYTE));
            assertEquals(4096, Libc.lseek(received, 0, Libc.SEEK_END));
            // The seal travels with the file: the receiver cannot shrink it.
            assertEquals(-Errno.EPERM.number(), Libc.ftruncate(received, 0));
            assertTrue((Libc.fcntl(received, Libc.F_GET_SEALS, 0) & Libc.F_SEAL_SHRINK) != 0);
        } finally {
            for (int fd : new int[] {listener, client, memfd, server, received}) {
                if (fd >= 0) {
                    Libc.close(fd);
                }
            }
            Files.deleteIfExists(directory.resolve("s"));
            Files.deleteIfExists(directory);
        }
    }

    @Test
    void shouldRefuseSecondBindOfAbstractName() throws Exception {
        UnixSocketAddress address = UnixSocketAddress.ofAbstract("pagestore-test-" + ProcessHandle.current().pid()
                + "-" + System.nanoTime());
        int first = Libc.socket(Libc.AF_UNIX, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC, 0);
        int second = Libc.socket(Libc.AF_UNIX, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC, 0);
        try (Arena arena = Arena.ofConfined()) {
            assertEquals(0, Libc.bind(first, address.allocate(arena), address.length()));
            assertEquals(-Errno.EADDRINUSE.number(), Libc.bind(second, address.allocate(arena), address.length()));
        } finally {
            Libc.close(first);
            Libc.close(second);
        }
    }
}

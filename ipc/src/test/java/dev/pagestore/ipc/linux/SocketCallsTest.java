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
        int listener = (int) Libc.check(LibcSockets.socket(LibcSockets.AF_UNIX, LibcSockets.SOCK_STREAM | LibcSockets.SOCK_CLOEXEC, 0), "socket", "");
        int client = (int) Libc.check(LibcSockets.socket(LibcSockets.AF_UNIX, LibcSockets.SOCK_STREAM | LibcSockets.SOCK_CLOEXEC, 0), "socket", "");
        int memfd = (int) Libc.check(LibcMemory.memfdCreate("test", LibcMemory.MFD_CLOEXEC | LibcMemory.MFD_ALLOW_SEALING), "memfd", "");
        int server = -1;
        int received = -1;
        try (Arena arena = Arena.ofConfined()) {
            Libc.check(LibcSockets.bind(listener, address.allocate(arena), address.length()), "bind", address.toString());
            Libc.check(LibcSockets.listen(listener, 4), "listen", "");
            Libc.check(LibcSockets.connect(client, address.allocate(arena), address.length()), "connect", "");
            server = (int) Libc.check(LibcSockets.accept4(listener, LibcSockets.SOCK_CLOEXEC), "accept4", "");

            PeerCredentials peer = PeerCredentials.of(server);
            assertEquals(ProcessHandle.current().pid(), peer.pid());
            assertEquals(LibcProcesses.getuid(), peer.uid());

            Libc.check(LibcFiles.ftruncate(memfd, 4096), "ftruncate", "");
            Libc.check(LibcFiles.fcntl(memfd, LibcMemory.F_ADD_SEALS, LibcMemory.F_SEAL_SHRINK | LibcMemory.F_SEAL_GROW | LibcMemory.F_SEAL_SEAL),
                    "fcntl", "");
            MemorySegment data = arena.allocateFrom(JAVA_BYTE, new byte[] {1, 2, 3});
            MessageHeader send = MessageHeader.allocate(arena, data, 2);
            send.descriptors(memfd);
            assertEquals(3, Libc.check(LibcSockets.sendmsg(client, send.segment(), LibcSockets.MSG_NOSIGNAL), "sendmsg", ""));

            MemorySegment in = arena.allocate(16);
            MessageHeader receive = MessageHeader.allocate(arena, in, 2);
            assertEquals(3, Libc.check(LibcSockets.recvmsg(server, receive.segment(), LibcSockets.MSG_CMSG_CLOEXEC), "recvmsg", ""));
            int[] fds = receive.receivedDescriptors();
            assertEquals(1, fds.length);
            received = fds[0];
            assertArrayEquals(new byte[] {1, 2, 3}, in.asSlice(0, 3).toArray(JAVA_BYTE));
            assertEquals(4096, LibcFiles.lseek(received, 0, LibcFiles.SEEK_END));
            // The seal travels with the file: the receiver cannot shrink it.
            assertEquals(-Errno.EPERM.number(), LibcFiles.ftruncate(received, 0));
            assertTrue((LibcFiles.fcntl(received, LibcMemory.F_GET_SEALS, 0) & LibcMemory.F_SEAL_SHRINK) != 0);
        } finally {
            for (int fd : new int[] {listener, client, memfd, server, received}) {
                if (fd >= 0) {
                    LibcFiles.close(fd);
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
        int first = LibcSockets.socket(LibcSockets.AF_UNIX, LibcSockets.SOCK_STREAM | LibcSockets.SOCK_CLOEXEC, 0);
        int second = LibcSockets.socket(LibcSockets.AF_UNIX, LibcSockets.SOCK_STREAM | LibcSockets.SOCK_CLOEXEC, 0);
        try (Arena arena = Arena.ofConfined()) {
            assertEquals(0, LibcSockets.bind(first, address.allocate(arena), address.length()));
            assertEquals(-Errno.EADDRINUSE.number(), LibcSockets.bind(second, address.allocate(arena), address.length()));
        } finally {
            LibcFiles.close(first);
            LibcFiles.close(second);
        }
    }
}

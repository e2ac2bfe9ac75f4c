package dev.pagestore.ipc.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pagestore.ipc.testing.ChildJvm;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** An abstract socket name as an ownership token: taken while held, freed by death, holders named by the kernel. */
class AbstractNameClaimTest {
    private static String uniqueName() {
        return "pagestore-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    }

    @Test
    void shouldNameThisProcessAsTheHolderUntilTheClaimIsClosed() throws Exception {
        String name = uniqueName();
        AbstractNameClaim.Claimed first = assertInstanceOf(AbstractNameClaim.Claimed.class,
                AbstractNameClaim.claim(name));
        try (AbstractNameClaim claim = first.claim()) {
            AbstractNameClaim.HeldBy held = assertInstanceOf(AbstractNameClaim.HeldBy.class,
                    AbstractNameClaim.claim(name));
            assertEquals(ProcessHandle.current().pid(), held.holder().pid());
            assertEquals(LibcProcesses.geteuid(), held.holder().uid());
        }
        try (AbstractNameClaim again = assertInstanceOf(AbstractNameClaim.Claimed.class,
                AbstractNameClaim.claim(name)).claim()) {
            assertEquals(name, again.name());
        }
    }

    @Test
    void shouldBeFreedByTheKernelWhenTheHolderIsKilled() throws Exception {
        String name = uniqueName();
        try (ChildJvm child = ChildJvm.start(LinuxTestChild.class, "claim", name)) {
            assertEquals("ready", child.awaitLine(Duration.ofSeconds(30)));
            AbstractNameClaim.HeldBy held = assertInstanceOf(AbstractNameClaim.HeldBy.class,
                    AbstractNameClaim.claim(name));
            assertEquals(child.pid(), held.holder().pid());
            child.kill9();
            try (AbstractNameClaim claim = assertInstanceOf(AbstractNameClaim.Claimed.class,
                    AbstractNameClaim.claim(name)).claim()) {
                assertEquals(name, claim.name());
            }
        }
    }

    @Test
    void shouldNotClaimANameBoundBySocketThatDoesNotListen() throws Exception {
        String name = uniqueName();
        UnixSocketAddress address = UnixSocketAddress.ofAbstract(name);
        int squatter = (int) Libc.check(LibcSockets.socket(LibcSockets.AF_UNIX, LibcSockets.SOCK_STREAM | LibcSockets.SOCK_CLOEXEC, 0), "socket",
                "");
        try (Arena arena = Arena.ofConfined()) {
            Libc.check(LibcSockets.bind(squatter, address.allocate(arena), address.length()), "bind", name);
            AbstractNameClaim.Unverified unverified = assertInstanceOf(AbstractNameClaim.Unverified.class,
                    AbstractNameClaim.claim(name));
            assertTrue(unverified.why().contains("does not listen"), unverified.why());
        } finally {
            LibcFiles.close(squatter);
        }
    }

    @Test
    void shouldKeepAnsweringProbesWhenTheHolderDrainsThem() throws Exception {
        String name = uniqueName();
        try (AbstractNameClaim claim = assertInstanceOf(AbstractNameClaim.Claimed.class,
                AbstractNameClaim.claim(name)).claim()) {
            for (int i = 0; i < 200; i++) {  // three times the backlog
                assertInstanceOf(AbstractNameClaim.HeldBy.class, AbstractNameClaim.claim(name), "probe " + i);
                if (i % 16 == 15) {
                    claim.drainProbes();
                }
            }
        }
    }

    @Test
    void shouldReportAHolderOfAnotherUser() throws Exception {
        assumeTrue(LibcProcesses.geteuid() == 0, "needs root to run a squatter as another user (setpriv)");
        // the system's python, readable by every user (a python under root's home is not)
        assumeTrue(java.nio.file.Files.isExecutable(java.nio.file.Path.of("/usr/bin/python3")), "no /usr/bin/python3");
        String name = uniqueName();
        Process squatter;
        try {
            squatter = new ProcessBuilder("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                    "/usr/bin/python3",
                    "-c", "import socket, sys, time\n"
                            + "s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)\n"
                            + "s.bind('\\0' + sys.argv[1]); s.listen(8); print('ready', flush=True); time.sleep(60)",
                    name).redirectErrorStream(true).start();
        } catch (java.io.IOException e) {
            assumeTrue(false, "setpriv or python3 is missing: " + e.getMessage());
            return;
        }
        try (BufferedReader out = new BufferedReader(new InputStreamReader(squatter.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line = out.readLine();
            assumeTrue("ready".equals(line), "the squatter did not start: " + line);
            AbstractNameClaim.HeldBy held = assertInstanceOf(AbstractNameClaim.HeldBy.class,
                    AbstractNameClaim.claim(name));
            assertEquals(65534, held.holder().uid());
        } finally {
            squatter.destroyForcibly();
            squatter.waitFor(10, TimeUnit.SECONDS);
        }
    }
}

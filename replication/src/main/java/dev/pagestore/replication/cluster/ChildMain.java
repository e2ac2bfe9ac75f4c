package dev.pagestore.replication.cluster;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.pagestore.ipc.linux.ParentWatch;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.time.LocalDateTime;
import java.util.Arrays;

/**
 * The main class of every child of a local cluster, wrapping ZooKeeper's or a bookie's own:
 * {@code ChildMain LAUNCHER_PID NAME MAIN_CLASS [ARGS...]}.
 *
 * <h2>Why a wrapper</h2>
 * Neither ZooKeeper nor a bookie ends when the JVM that started it dies, and a launcher killed with {@code kill -9}
 * runs no shutdown hook. So the child watches its launcher ({@link ParentWatch}: the launcher's pid, as the launcher
 * knew it, against {@code getppid}) and halts once it is gone, as if killed with it: the cluster survives a
 * {@code kill -9} of any of its processes, and the next start of the directory goes on from there.
 *
 * <p>It also leaves the launcher's session ({@code setsid}), so that Ctrl-C in a terminal, which signals the whole
 * foreground process group, reaches only the launcher: its shutdown hook stops the bookies first and ZooKeeper last.
 * Were ZooKeeper stopped at the same time, the bookies' clean stop (unregistering from ZooKeeper) would wait on it.
 */
public final class ChildMain {
    /** The exit code of a child whose launcher has ended. */
    static final int EXIT_LAUNCHER_GONE = 3;

    private ChildMain() {
    }

    public static void main(String[] args) throws Throwable {
        if (args.length < 3) {
            System.err.println("usage: ChildMain LAUNCHER_PID NAME MAIN_CLASS [ARGS...]");
            System.exit(2);
        }
        long launcherPid = Long.parseLong(args[0]);
        String name = args[1];
        String mainClass = args[2];
        String[] mainArgs = Arrays.copyOfRange(args, 3, args.length);
        // -1 (EPERM) only for a process group leader, which a child the JDK started never is
        int session = setsid();
        System.err.println(LocalDateTime.now() + " " + name + ": pid " + ProcessHandle.current().pid()
                + " (session " + session + "), launched by pid " + launcherPid + ": " + mainClass + " "
                + String.join(" ", mainArgs));
        ParentWatch.start(launcherPid, () -> {
            System.err.println(LocalDateTime.now() + " " + name + ": launcher pid " + launcherPid
                    + " has ended: halting");
            Runtime.getRuntime().halt(EXIT_LAUNCHER_GONE);
        });
        MethodHandle main = MethodHandles.publicLookup().findStatic(Class.forName(mainClass), "main",
                MethodType.methodType(void.class, String[].class));
        main.invokeExact(mainArgs);
    }

    @SuppressWarnings("restricted")  // downcallHandle: the JVM runs with --enable-native-access (ChildCommand)
    private static int setsid() throws Throwable {
        Linker linker = Linker.nativeLinker();
        MethodHandle setsid = linker.downcallHandle(linker.defaultLookup().find("setsid").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT));
        return (int) setsid.invokeExact();
    }
}

package dev.pagestore.ipc.control;

import dev.pagestore.ipc.linux.LibcFiles;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A worker process for {@link ControlLivenessTest}: attaches to the manager at {@code args[0]} as {@code args[1]},
 * prints {@code ATTACHED attachId channelMark pageSize ringCapacity managerPid managerStartMillis} (the mark is what
 * the test handler wrote at the start of the channel memfd this worker received), then obeys stdin:
 * {@code detach} (orderly goodbye, prints {@code DETACHED}, exits 0). It prints {@code GONE cause detail} if the
 * manager goes away or ends its session, and otherwise waits to be killed.
 */
public final class ControlWorkerMain {
    private ControlWorkerMain() {
    }

    public static void main(String[] args) throws Exception {
        Path socketPath = Path.of(args[0]);
        ControlClient client = ControlClient.attach(socketPath,
                AttachRequest.fromCurrentProcess(8192, 128, args[1]),
                event -> System.out.println("GONE " + event.cause() + " " + event.detail()), Duration.ofSeconds(30));
        LibcFiles.close(client.takeStatusDescriptor());
        System.out.println("ATTACHED " + client.attachId() + " " + RecordingHandler.channelMark(client) + " "
                + client.pageSizeBytes() + " " + client.ringCapacity() + " "
                + client.manager().pid() + " " + client.manager().startTimeMillis());
        BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = stdin.readLine()) != null) {
            if (line.equals("detach")) {
                client.detach(Duration.ofSeconds(30));
                System.out.println("DETACHED");
                return;
            }
        }
    }
}

package dev.pagestore.ipc.control;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A manager process for {@link ControlLivenessTest}: serves the control socket {@code args[0]} with a
 * {@link RecordingHandler}, prints {@code LISTENING pid}, {@code ATTACH pid startMillis name} and
 * {@code DETACH attachId reason}, and closes the server when stdin says {@code close} (or ends).
 */
public final class ControlManagerMain {
    private ControlManagerMain() {
    }

    public static void main(String[] args) throws Exception {
        RecordingHandler recording = new RecordingHandler() {
            @Override
            public AttachDecision onAttach(ControlSession session, AttachRequest request) throws Exception {
                System.out.println("ATTACH " + session.worker().pid() + " " + session.worker().startTimeMillis()
                        + " " + request.clientName());
                return super.onAttach(session, request);
            }

            @Override
            public void onDetach(ControlSession session, DetachReason reason, String detail) {
                super.onDetach(session, reason, detail);
                System.out.println("DETACH " + session.attachId() + " " + reason);
            }
        };
        try (ControlServer server = ControlServer.start(ControlServerOptions.at(Path.of(args[0])), recording)) {
            System.out.println("LISTENING " + ProcessHandle.current().pid());
            BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            while ((line = stdin.readLine()) != null && !line.equals("close")) {
                // wait
            }
        }
    }
}

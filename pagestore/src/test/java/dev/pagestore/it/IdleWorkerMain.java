package dev.pagestore.it;

import dev.pagestore.client.ClientOptions;
import dev.pagestore.client.PageStoreClient;
import java.nio.file.Path;

/**
 * Attaches to the store at {@code args[0]}, writes page 1, prints {@code ATTACHED}, and stays attached until stdin
 * ends; with {@code protect} as {@code args[1]} it first makes itself non-dumpable
 * ({@link PageStoreClient#protectProcessMemory()}).
 */
public final class IdleWorkerMain {
    private IdleWorkerMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 1 && args[1].equals("protect")) {
            PageStoreClient.protectProcessMemory();
        }
        try (PageStoreClient client = PageStoreClient.attach(Path.of(args[0]), ClientOptions.defaults())) {
            client.write(1, WorkerMain.stamp(client.pageSizeBytes(), 1, 1));
            System.out.println("ATTACHED");
            System.out.flush();
            while (System.in.read() >= 0) {
                // stay attached
            }
        }
    }
}

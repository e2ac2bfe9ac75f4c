package dev.pagestore.manager;

import static dev.pagestore.manager.PageStoreManagerTest.page;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.client.ClientOptions;
import dev.pagestore.client.ErrorCode;
import dev.pagestore.client.PageClaims;
import dev.pagestore.client.PageStoreClient;
import dev.pagestore.client.PageStoreException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Writes built in place in the request's slot: durable on commit, nothing sent on abort, one thread per claim. */
class PageClaimsTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @TempDir
    Path directory;

    private ManagerConfig config() {
        return ManagerConfig.defaults(directory).withCapacityPages(1024).withCheckpointIntervalMillis(0);
    }

    @Test
    void shouldWriteAPageBuiltInTheSlotAndSendNothingForAnAbortedClaim() throws Exception {
        try (PageStoreManager manager = PageStoreManager.start(config());
                PageStoreClient client = PageStoreClient.attach(directory, ClientOptions.defaults()
                        .withRingCapacity(16))) {
            PageClaims claims = client.claims();
            for (int round = 0; round < 3 * client.capacity(); round++) {  // every slot many times over
                long pageNumber = round % 40;
                long claim = claims.claimWrite(pageNumber, TIMEOUT);
                MemorySegment slot = claims.page(claim);
                assertEquals(4096, slot.byteSize());
                MemorySegment.copy(page(4096, pageNumber, round), 0, slot, ValueLayout.JAVA_BYTE, 0, 4096);
                if (round % 5 == 4) {
                    claims.abort(claim);
                    assertThrows(IllegalStateException.class, () -> claims.commit(claim), "an aborted claim is over");
                } else {
                    claims.commit(claim);
                    assertArrayEquals(page(4096, pageNumber, round), client.read(pageNumber));
                }
            }
            assertArrayEquals(new byte[4096], client.read(4), "page 4 was only ever aborted (rounds 4, 44)");
            long open = claims.claimWrite(100, TIMEOUT);
            try (ExecutorService other = Executors.newSingleThreadExecutor()) {
                Throwable refused = assertThrows(java.util.concurrent.ExecutionException.class,
                        () -> other.submit(() -> {
                            claims.commit(open);
                            return null;
                        }).get()).getCause();
                assertTrue(refused instanceof IllegalStateException, String.valueOf(refused));
            }
            assertThrows(IllegalStateException.class, () -> claims.page(open + 1), "no such claim");
            claims.abort(open);
            assertEquals(0, client.unmappedCompletions());
        }
    }

    @Test
    void shouldFailAClaimCommittedAfterTheManagerWentAndGiveItsSlotBack() throws Exception {
        PageStoreManager manager = PageStoreManager.start(config());
        try (PageStoreClient client = PageStoreClient.attach(directory, ClientOptions.defaults())) {
            long claim = client.claims().claimWrite(3, TIMEOUT);
            manager.close();
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (client.isConnected() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            PageStoreException gone = assertThrows(PageStoreException.class, () -> client.claims().commit(claim));
            assertTrue(gone.code() == ErrorCode.MANAGER_GONE || gone.code() == ErrorCode.SHUTTING_DOWN,
                    String.valueOf(gone));
            assertThrows(IllegalStateException.class, () -> client.claims().commit(claim), "over after the failure");
        } finally {
            manager.close();
        }
    }
}

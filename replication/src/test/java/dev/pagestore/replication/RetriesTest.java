package dev.pagestore.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.apache.bookkeeper.client.BKException;
import org.apache.zookeeper.KeeperException;
import org.junit.jupiter.api.Test;

class RetriesTest {
    @Test
    void shouldWaitOutFailuresThatPass() {
        assertTrue(Retries.isTransient(new TimeoutException()));
        assertTrue(Retries.isTransient(new KeeperException.ConnectionLossException()));
        assertTrue(Retries.isTransient(new KeeperException.OperationTimeoutException()));
        assertTrue(Retries.isTransient(BKException.create(BKException.Code.TimeoutException)));
        assertTrue(Retries.isTransient(BKException.create(BKException.Code.NotEnoughBookiesException)));
        assertTrue(Retries.isTransient(BKException.create(BKException.Code.BookieHandleNotAvailableException)));
        assertTrue(Retries.isTransient(new ExecutionException(BKException.create(BKException.Code.ReadException))),
                "a future's failure is judged by its cause");
        assertTrue(Retries.isTransient(new ZooKeeperSession.Unreachable("no ZooKeeper answered")));
        assertTrue(Retries.isTransient(new Retries.NotYetVisible("ledger 3 is followed by 4 but is not closed")));
        assertTrue(Retries.isTransient(BKException.create(BKException.Code.NoSuchLedgerExistsException)),
                "a ledger just listed may not be visible yet through another ZooKeeper server");
    }

    @Test
    void shouldStopForFailuresThatDoNot() {
        assertFalse(Retries.isTransient(new KeeperException.SessionExpiredException()),
                "a new session is the applier's to take, not a wait's");
        assertFalse(Retries.isTransient(new KeeperException.NoNodeException()));
        assertFalse(Retries.isTransient(BKException.create(BKException.Code.DigestMatchException)));
        assertFalse(Retries.isTransient(BKException.create(BKException.Code.UnauthorizedAccessException)));
        assertFalse(Retries.isTransient(new IOException("the standby's own store failed")));
        assertFalse(Retries.isTransient(new ExecutionException(new IOException("nor wrapped"))));
    }

    @Test
    void shouldBackOffUpToASecondAndStartOverAfterASuccess() throws Exception {
        Retries retries = new Retries();
        Exception timeout = new TimeoutException();
        assertEquals(Duration.ofMillis(20).toNanos(), retries.onFailure(timeout));
        assertEquals(Duration.ofMillis(40).toNanos(), retries.onFailure(timeout));
        for (int i = 0; i < 20; i++) {
            assertTrue(retries.onFailure(timeout) <= Duration.ofSeconds(1).toNanos());
        }
        assertEquals(Duration.ofSeconds(1).toNanos(), retries.onFailure(timeout));
        retries.onSuccess();
        assertEquals(0, retries.failures());
        assertEquals(Duration.ofMillis(20).toNanos(), retries.onFailure(timeout));
    }

    @Test
    void shouldRethrowAFailureThatDoesNotPass() {
        Retries retries = new Retries();
        IOException fatal = new IOException("damaged entry");
        assertSame(fatal, assertThrows(IOException.class, () -> retries.onFailure(fatal)));
        assertEquals(0, retries.failures());
    }
}

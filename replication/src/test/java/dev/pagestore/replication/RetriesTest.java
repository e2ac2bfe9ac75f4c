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
    }

    @Test
    void shouldStopForFailuresThatDoNot() {
        assertFalse(Retries.isTransient(new KeeperException.SessionExpiredException()));
        assertFalse(Retries.isTransient(new KeeperException.NoNodeException()));
        assertFalse(Retries.isTransient(BKException.create(BKException.Code.NoSuchLedgerExistsException)));
        assertFalse(Retries.isTransient(BKException.create(BKException.Code.DigestMatchException)));
        assertFalse(Retries.isTransient(BKException.create(BKException.Code.UnauthorizedAccessException)));
        assertFalse(Retries.isTransient(new IOException("the standby's own store failed")));
        assertFalse(Retries.isTransient(new ExecutionException(new IOException("nor wrapped"))));
    }

    @Test
    void shouldBackOffUpToASecondAndStartOverAfterASuccess() throws Exception {
        Retries retries = new Retries(Duration.ofMinutes(1));
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
    void shouldRethrowAFailureThatDoesNotPassOrLastsTooLong() throws Exception {
        Retries retries = new Retries(Duration.ofMillis(50));
        IOException fatal = new IOException("damaged entry");
        assertSame(fatal, assertThrows(IOException.class, () -> retries.onFailure(fatal)));
        Exception timeout = new TimeoutException();
        retries.onFailure(timeout);
        Thread.sleep(80);
        assertSame(timeout, assertThrows(TimeoutException.class, () -> retries.onFailure(timeout)),
                "failures that lasted longer than the limit end the wait");
    }
}

package dev.pagestore.ipc.owner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class SingleOwnerTest {
    private static Throwable fromAnotherThread(Runnable call, String threadName) throws InterruptedException {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread other = new Thread(() -> {
            try {
                call.run();
            } catch (Throwable t) {
                thrown.set(t);
            }
        }, threadName);
        other.start();
        other.join();
        return thrown.get();
    }

    @Test
    void shouldRefuseEveryThreadButTheOwnerNamingBothAndWhatToDo() throws Exception {
        SingleOwner owner = SingleOwner.ofCurrentThread("queue pair qp-7", "hand it off first");
        owner.check();
        Throwable t = fromAnotherThread(owner::check, "intruder");
        OwnerThreadException e = assertInstanceOf(OwnerThreadException.class, t);
        assertTrue(e.getMessage().startsWith("queue pair qp-7 is owned by thread '" + Thread.currentThread().getName()
                + "'"), e.getMessage());
        assertTrue(e.getMessage().contains("called from thread 'intruder'"), e.getMessage());
        assertTrue(e.getMessage().endsWith("; hand it off first"), e.getMessage());
        assertEquals("'intruder' (id " + e.callerThread().replaceAll("\\D", "") + ")", e.callerThread());
    }

    @Test
    void shouldHandOwnershipOverOnlyFromTheOwner() throws Exception {
        SingleOwner owner = SingleOwner.ofCurrentThread("ring", "");
        Thread next = new Thread(() -> { }, "next-owner");
        assertInstanceOf(OwnerThreadException.class, fromAnotherThread(() -> owner.transferTo(next), "intruder"));
        assertSame(Thread.currentThread(), owner.owner(), "a refused hand-off changes nothing");
        owner.transferTo(next);
        assertSame(next, owner.owner());
        assertThrows(OwnerThreadException.class, owner::check, "the old owner is refused once it handed over");
        assertThrows(NullPointerException.class, () -> SingleOwner.ofCurrentThread(null, ""));
        assertNull(fromAnotherThread(() -> new SingleOwner("x", "", Thread.currentThread()).check(), "any"));
    }
}

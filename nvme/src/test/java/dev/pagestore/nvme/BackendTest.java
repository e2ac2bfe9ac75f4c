package dev.pagestore.nvme;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BackendTest {
    @Test
    void shouldNameEveryBackendAsTheCommandLineDoesAndResolveAuto() {
        for (Backend backend : Backend.values()) {
            assertEquals(backend, Backend.named(backend.cliName()));
        }
        assertEquals("io_uring", Backend.IO_URING.cliName());
        assertEquals(Backend.defaultForThisMachine(), Backend.named("auto"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Backend.named("IO_URING"));
        assertTrue(e.getMessage().contains("auto, io_uring, portable, simulated"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Backend.named(null));
    }
}

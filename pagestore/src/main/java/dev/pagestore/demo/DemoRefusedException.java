package dev.pagestore.demo;

import java.io.IOException;

/**
 * The demo refused its directory: not the demo's to empty, or held by a manager. Nothing was changed; the message is
 * one line saying why and what to do ({@code pagestore demo} exits 2).
 */
public final class DemoRefusedException extends IOException {
    private static final long serialVersionUID = 1L;

    DemoRefusedException(String message) {
        super(message);
    }
}

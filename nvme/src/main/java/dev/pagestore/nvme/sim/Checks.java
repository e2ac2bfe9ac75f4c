package dev.pagestore.nvme.sim;

/** One-line argument checks for the simulator's API (Caffeine's {@code requireArgument}). */
final class Checks {
    private Checks() {
    }

    /** Throws {@link IllegalArgumentException} with {@code message} formatted with {@code value} unless {@code ok}. */
    static void requireArgument(boolean ok, String message, long value) {
        if (!ok) {
            throw new IllegalArgumentException(String.format(message, value));
        }
    }
}

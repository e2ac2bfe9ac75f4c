package dev.pagestore.ipc.jcstress;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Runs jcstress ({@code org.openjdk.jcstress.Main}) with the given arguments and exits with status 1 unless its summary
 * reports no failed and no errored test. jcstress 0.16 itself exits 0 even when a {@code FORBIDDEN} outcome was seen,
 * so without this a build could not fail on a memory-ordering bug.
 *
 * <p>Used by the {@code jcstress} Maven profile: {@code ./mvnw -q -pl ipc -am -Pjcstress -DskipTests verify
 * -Djcstress.args="-t dev.pagestore.ipc.jcstress -time 200 -iters 1"}.
 */
public final class RunJcstress {
    private RunJcstress() {
    }

    public static void main(String[] args) throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream copy = new ByteArrayOutputStream();
        System.setOut(new PrintStream(new Tee(original, copy), true, StandardCharsets.UTF_8));
        try {
            org.openjdk.jcstress.Main.main(args);
        } finally {
            System.out.flush();
            System.setOut(original);
        }
        String output = copy.toString(StandardCharsets.UTF_8);
        boolean ran = output.contains("RUN RESULTS:");
        boolean noFailure = output.contains("Failed tests: No matches.");
        boolean noError = output.contains("Error tests: No matches.");
        if (!ran || !noFailure || !noError) {
            System.err.println("jcstress: " + (!ran ? "no results (did any test run?)"
                    : !noFailure ? "a FORBIDDEN outcome was observed" : "a test errored")
                    + "; see target/jcstress-results/index.html");
            System.exit(1);
        }
        System.out.println("jcstress: no forbidden outcome, no error");
    }

    /** Writes everything to both streams. */
    private static final class Tee extends OutputStream {
        private final OutputStream first;
        private final OutputStream second;

        Tee(OutputStream first, OutputStream second) {
            this.first = first;
            this.second = second;
        }

        @Override
        public void write(int b) throws java.io.IOException {
            first.write(b);
            second.write(b);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws java.io.IOException {
            first.write(bytes, offset, length);
            second.write(bytes, offset, length);
        }

        @Override
        public void flush() throws java.io.IOException {
            first.flush();
            second.flush();
        }
    }
}

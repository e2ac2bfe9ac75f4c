package dev.pagestore.cli.doctor;

/**
 * Java 25 or newer: pagestore is compiled for it and uses the final FFM API ({@code java.lang.foreign}) for every
 * native call.
 */
public final class JavaRuntimeCheck {
    public static final String NAME = "Java runtime";
    public static final int FEATURE_MIN = 25;

    private JavaRuntimeCheck() {
    }

    /** The check for the running JVM. */
    public static Check run() {
        return of(Runtime.version(), System.getProperty("java.vendor", "unknown vendor"),
                System.getProperty("java.home", "unknown location"));
    }

    /** The check for a JVM of this version, vendor and home directory. */
    public static Check of(Runtime.Version version, String vendor, String home) {
        String detail = "Java " + version + " (" + vendor + ") at " + home;
        if (version.feature() >= FEATURE_MIN) {
            return Check.ok(NAME, detail);
        }
        return Check.fail(NAME, detail + " is older than Java " + FEATURE_MIN,
                "install a JDK " + FEATURE_MIN + "+ under /usr/lib/jvm (or point JAVA_HOME at one); "
                        + "bin/pagestore picks the newest it finds");
    }
}

package dev.pagestore.cli.doctor;

/** The verdict of one doctor check. Ordered by severity, so the worst of several is the maximum. */
public enum Status {
    /** The machine offers what the store wants. */
    OK,
    /** The store runs, but slower or with less safety than it could; the advice says what to change. */
    WARN,
    /** The store cannot run as configured until this is fixed. */
    FAIL
}

package dev.pagestore.cli.doctor;

import java.util.Objects;

/**
 * One line of the doctor's report: what was looked at, what was found, and (unless it is {@link Status#OK}) what to
 * do about it.
 *
 * @param status the verdict
 * @param name   what was checked, short ("io_uring", "/dev/shm")
 * @param detail what was found, one sentence, no trailing period
 * @param advice what to do; empty for {@link Status#OK}, never empty otherwise
 */
public record Check(Status status, String name, String detail, String advice) {

    public Check {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(detail, "detail");
        Objects.requireNonNull(advice, "advice");
        if (name.isBlank()) {
            throw new IllegalArgumentException("name is blank");
        }
        if (status != Status.OK && advice.isBlank()) {
            throw new IllegalArgumentException("check '" + name + "' is " + status + " but gives no advice");
        }
    }

    public static Check ok(String name, String detail) {
        return new Check(Status.OK, name, detail, "");
    }

    public static Check warn(String name, String detail, String advice) {
        return new Check(Status.WARN, name, detail, advice);
    }

    public static Check fail(String name, String detail, String advice) {
        return new Check(Status.FAIL, name, detail, advice);
    }
}

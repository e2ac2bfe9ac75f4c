package dev.pagestore.ipc.linux;

/**
 * Linux error numbers (the generic table shared by x86_64 and aarch64) with their symbolic names and the
 * messages of {@code strerror(3)}.
 *
 * <p>Only the numbers the project can meet are named; any other number is reported as {@link #UNKNOWN} and
 * {@link #describe(int)} still prints the raw value, so no errno is ever lost in a message.
 */
public enum Errno {
    EPERM(1, "Operation not permitted"),
    ENOENT(2, "No such file or directory"),
    ESRCH(3, "No such process"),
    EINTR(4, "Interrupted system call"),
    EIO(5, "Input/output error"),
    ENXIO(6, "No such device or address"),
    E2BIG(7, "Argument list too long"),
    EBADF(9, "Bad file descriptor"),
    EAGAIN(11, "Resource temporarily unavailable"),
    ENOMEM(12, "Cannot allocate memory"),
    EACCES(13, "Permission denied"),
    EFAULT(14, "Bad address"),
    EBUSY(16, "Device or resource busy"),
    EEXIST(17, "File exists"),
    EXDEV(18, "Invalid cross-device link"),
    ENODEV(19, "No such device"),
    ENOTDIR(20, "Not a directory"),
    EISDIR(21, "Is a directory"),
    EINVAL(22, "Invalid argument"),
    ENFILE(23, "Too many open files in system"),
    EMFILE(24, "Too many open files"),
    ENOTTY(25, "Inappropriate ioctl for device"),
    EFBIG(27, "File too large"),
    ENOSPC(28, "No space left on device"),
    ESPIPE(29, "Illegal seek"),
    EROFS(30, "Read-only file system"),
    EPIPE(32, "Broken pipe"),
    ERANGE(34, "Numerical result out of range"),
    EDEADLK(35, "Resource deadlock avoided"),
    ENAMETOOLONG(36, "File name too long"),
    ENOLCK(37, "No locks available"),
    ENOSYS(38, "Function not implemented"),
    ENOTEMPTY(39, "Directory not empty"),
    ELOOP(40, "Too many levels of symbolic links"),
    EOVERFLOW(75, "Value too large for defined data type"),
    ENOTSOCK(88, "Socket operation on non-socket"),
    EMSGSIZE(90, "Message too long"),
    EOPNOTSUPP(95, "Operation not supported"),
    EADDRINUSE(98, "Address already in use"),
    ECONNABORTED(103, "Software caused connection abort"),
    ECONNRESET(104, "Connection reset by peer"),
    ENOBUFS(105, "No buffer space available"),
    ENOTCONN(107, "Transport endpoint is not connected"),
    ECONNREFUSED(111, "Connection refused"),
    EINPROGRESS(115, "Operation now in progress"),
    EDQUOT(122, "Disk quota exceeded"),
    ETIMEDOUT(110, "Connection timed out"),
    ECANCELED(125, "Operation canceled"),
    EOWNERDEAD(130, "Owner died"),
    UNKNOWN(-1, "Unknown error");

    /** {@code EWOULDBLOCK} is {@code EAGAIN} on Linux. */
    public static final Errno EWOULDBLOCK = EAGAIN;

    private static final Errno[] BY_NUMBER = new Errno[134];

    static {
        for (Errno errno : values()) {
            if (errno.number > 0) {
                assert BY_NUMBER[errno.number] == null : "duplicate errno " + errno.number;
                BY_NUMBER[errno.number] = errno;
            }
        }
    }

    private final int number;
    private final String message;

    Errno(int number, String message) {
        this.number = number;
        this.message = message;
    }

    /** The kernel's number for this error, or -1 for {@link #UNKNOWN}. */
    public int number() {
        return number;
    }

    /** The {@code strerror(3)} text. */
    public String message() {
        return message;
    }

    /** The named error for {@code number}, or {@link #UNKNOWN}. */
    public static Errno of(int number) {
        if (number > 0 && number < BY_NUMBER.length && BY_NUMBER[number] != null) {
            return BY_NUMBER[number];
        }
        return UNKNOWN;
    }

    /** {@code "ENOENT (2): No such file or directory"}; unknown numbers keep their value. */
    public static String describe(int number) {
        Errno errno = of(number);
        return errno == UNKNOWN
                ? "errno " + number + ": Unknown error"
                : errno.name() + " (" + number + "): " + errno.message;
    }
}

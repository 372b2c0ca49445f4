package dev.jkexec.core;

/**
 * The errno values a Xen toolstack sees from {@code kexec_op} (returned negated), with Linux's
 * x86 numbers.
 *
 * <p>{@link #EIO} is jkexec's own: Xen never returns it. jkexec uses it for an image whose bytes
 * no longer match the SHA-256 taken at load (a damaged crash region), see
 * {@code dev.jkexec.core.kexec.ImageDamagedException}.
 */
public enum Errno {
    EPERM(1), ENOENT(2), EIO(5), ENOMEM(12), EFAULT(14), EBUSY(16), EINVAL(22), ERANGE(34),
    EOPNOTSUPP(95), EADDRNOTAVAIL(99);

    private final int value;

    Errno(int value) {
        this.value = value;
    }

    /** The positive errno number. */
    public int value() {
        return value;
    }

    /** The hypercall return value: {@code -value()}. */
    public int negated() {
        return -value;
    }

    public static Errno ofValue(int value) {
        for (Errno e : values()) {
            if (e.value == Math.abs(value)) {
                return e;
            }
        }
        return null;
    }
}

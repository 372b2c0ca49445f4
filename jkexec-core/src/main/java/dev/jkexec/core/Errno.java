package dev.jkexec.core;

/**
 * The errno values a Xen toolstack sees from {@code kexec_op} (returned negated), with Linux's
 * x86 numbers. The hypercall channel adds {@link #ENOSYS} (a hypercall jkexec does not serve) and
 * {@link #EACCES} (a sysctl of another interface version), as Xen returns them.
 *
 * <p>{@link #EIO} is jkexec's own: Xen never returns it. jkexec uses it for an image whose bytes
 * no longer match the SHA-256 taken at load (a damaged crash region), see
 * {@code dev.jkexec.core.kexec.ImageDamagedException}.
 */
public enum Errno {
    EPERM(1), ENOENT(2), EIO(5), ENOMEM(12), EACCES(13), EFAULT(14), EBUSY(16), EINVAL(22), ERANGE(34),
    ENOSYS(38), EOPNOTSUPP(95), EADDRNOTAVAIL(99);

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
